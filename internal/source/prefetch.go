package source

import "context"

// Prefetch starts listing s at once, in the background, and returns a store
// whose List waits for that listing and replays it (or returns its error).
// A load lists its sources this way while it reads its ledger and opens its
// transaction. The objects listed are held in memory until then (about 200
// bytes each). Cancelling ctx stops the listing.
func Prefetch(ctx context.Context, s Store) Store {
	p := &prefetched{Store: s, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		if c, ok := s.(collector); ok {
			p.objects, p.err = c.collect(ctx)
			return
		}
		p.err = s.List(ctx, func(o Object) error {
			p.objects = append(p.objects, o)
			return nil
		})
	}()
	return p
}

type prefetched struct {
	Store
	done    chan struct{}
	objects []Object // set before done is closed
	err     error
}

func (p *prefetched) List(ctx context.Context, fn func(Object) error) error {
	select {
	case <-p.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if p.err != nil {
		return p.err
	}
	return sendSorted(ctx, p.objects, fn)
}
