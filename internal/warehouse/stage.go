package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sparkify/warehouse/internal/source"
)

// CopyStager returns the Postgres stager: it streams every object of the
// stage's store through the decoder into the staging table with the binary
// COPY protocol. errs counts malformed records across the whole load. While
// it runs, it logs the records staged so far every ProgressInterval.
func CopyStager(concurrency int, errs *source.Errors, log *slog.Logger) StageFunc {
	return func(ctx context.Context, tx Tx, st *Stage) (StageStats, error) {
		if st.Store == nil {
			return StageStats{}, fmt.Errorf("stage %s: no store opened for %s", st.Table, st.Location)
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
			s, err := source.Stream(ctx, st.Store, concurrency, st.Decode, errs, rows)
			done <- result{s, err}
		}()
		var staged atomic.Int64
		next := func() ([]any, error) {
			row := <-rows // nil after close: the end of the rows
			if row != nil {
				staged.Add(1)
			}
			return row, nil
		}
		progress := time.NewTicker(ProgressInterval)
		defer progress.Stop()
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-progress.C:
					log.Info("staging", "table", st.Table, "records", staged.Load(), "malformed", errs.Count())
				}
			}
		}()
		n, copyErr := tx.CopyFrom(ctx, st.Table, st.Columns, next)
		cancel()
		for range rows { // let the stream finish after an early COPY failure
		}
		r := <-done
		stats := StageStats{Objects: r.stats.Objects, Records: n}
		if ls, ok := st.Store.(*ledgerStore); ok && ls.seen && errors.Is(r.err, source.ErrNoObjects) {
			r.err = nil // every object was taken by an earlier load
		}
		switch {
		case copyErr != nil && tx.Closed():
			// The database went away mid-COPY: the source's own error, if
			// any, is only the stream being cut.
			return stats, fmt.Errorf("stage %s: the database connection closed during the COPY: %w", st.Table, copyErr)
		case r.err != nil && !errors.Is(r.err, context.Canceled):
			return stats, fmt.Errorf("stage %s from %s: %w", st.Table, st.Location, r.err)
		case copyErr != nil:
			return stats, fmt.Errorf("stage %s from %s: %w", st.Table, st.Location, copyErr)
		case r.err != nil:
			return stats, r.err
		}
		return stats, nil
	}
}
