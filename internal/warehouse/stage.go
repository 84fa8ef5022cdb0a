package warehouse

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/source"
)

// CopyStager returns the Postgres stager: it streams every object of the
// stage's location through the decoder into the staging table with the
// binary COPY protocol. open returns the store of a location URI; errs
// counts malformed records across the whole load.
func CopyStager(open func(uri string) (source.Store, error), concurrency int, errs *source.Errors) StageFunc {
	return func(ctx context.Context, tx pgx.Tx, st *Stage) (StageStats, error) {
		store, err := open(st.URI)
		if err != nil {
			return StageStats{}, err
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		rows := make(chan []any, 1024)
		type result struct {
			stats source.Stats
			err   error
		}
		done := make(chan result, 1)
		go func() {
			s, err := source.Stream(ctx, store, concurrency, st.Decode, errs, rows)
			done <- result{s, err}
		}()
		src := &chanSource{rows: rows}
		n, copyErr := tx.CopyFrom(ctx, pgx.Identifier{st.Table}, st.Columns, src)
		cancel()
		for range rows { // let the stream finish after an early COPY failure
		}
		r := <-done
		stats := StageStats{Objects: r.stats.Objects, Records: n}
		switch {
		case r.err != nil && !errors.Is(r.err, context.Canceled):
			return stats, fmt.Errorf("stage %s from %s: %w", st.Table, st.URI, r.err)
		case copyErr != nil:
			return stats, fmt.Errorf("stage %s from %s: %w", st.Table, st.URI, copyErr)
		case r.err != nil:
			return stats, r.err
		}
		return stats, nil
	}
}

// chanSource adapts a channel of rows to pgx.CopyFromSource.
type chanSource struct {
	rows <-chan []any
	cur  []any
}

func (c *chanSource) Next() bool {
	row, ok := <-c.rows
	c.cur = row
	return ok
}

func (c *chanSource) Values() ([]any, error) { return c.cur, nil }
func (c *chanSource) Err() error             { return nil }
