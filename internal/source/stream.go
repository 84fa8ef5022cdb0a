package source

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// Errors counts the malformed records of one load, across all its sources,
// and fails the load when there are more than the allowed number.
type Errors struct {
	max int

	mu      sync.Mutex
	count   int
	samples []*RecordError
}

// NewErrors allows up to max malformed records.
func NewErrors(max int) *Errors { return &Errors{max: max} }

// Add records one malformed record. It returns an error once the count
// passes the allowance.
func (e *Errors) Add(r *RecordError) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.count++
	if len(e.samples) < 10 {
		e.samples = append(e.samples, r)
	}
	if e.count > e.max {
		return &TooManyErrors{Max: e.max, Samples: append([]*RecordError(nil), e.samples...)}
	}
	return nil
}

// Count is the number of malformed records seen.
func (e *Errors) Count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.count
}

// Samples returns the first malformed records seen (at most 10).
func (e *Errors) Samples() []*RecordError {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*RecordError(nil), e.samples...)
}

// TooManyErrors fails a load that met more malformed records than allowed.
type TooManyErrors struct {
	Max     int
	Samples []*RecordError
}

func (e *TooManyErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "more than %d malformed records (SPARKIFY_MAX_ERRORS=%d); fix the files or raise SPARKIFY_MAX_ERRORS to skip them:", e.Max, e.Max)
	for _, s := range e.Samples {
		b.WriteString("\n  ")
		b.WriteString(s.Error())
	}
	return b.String()
}

// Stats are the counts of one Stream.
type Stats struct {
	Objects int64
	Records int64
}

// Stream lists every .json object of store, fetches and decodes them with
// up to concurrency objects at a time, and sends each row to rows, which it
// closes when done. Memory is bounded by the concurrency and the channel,
// not by the size of the data. Stream returns ErrNoObjects (wrapped) when
// the store holds no object.
func Stream(ctx context.Context, store Store, concurrency int, decode DecodeFunc, errs *Errors, rows chan<- []any) (Stats, error) {
	defer close(rows)
	var stats Stats
	var objects, records atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	keys := make(chan Object, concurrency)
	g.Go(func() error {
		defer close(keys)
		return store.List(ctx, func(o Object) error {
			objects.Add(1)
			select {
			case keys <- o:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	emit := func(row []any) error {
		select {
		case rows <- row:
			records.Add(1)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for range concurrency {
		g.Go(func() error {
			for o := range keys {
				if err := readOne(ctx, store, o, decode, emit, errs.Add); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := g.Wait()
	stats.Objects, stats.Records = objects.Load(), records.Load()
	if err != nil {
		return stats, err
	}
	if stats.Objects == 0 {
		return stats, ErrNoObjects
	}
	return stats, nil
}

func readOne(ctx context.Context, store Store, o Object, decode DecodeFunc, emit func([]any) error, bad func(*RecordError) error) error {
	body, err := store.Open(ctx, o)
	if err != nil {
		return err
	}
	defer body.Close()
	return decode(o.URI, body, emit, bad)
}
