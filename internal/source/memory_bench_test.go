package source

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// genStore serves n synthetic objects made by body, without holding them
// in memory, so that the heap the benchmark measures is the job's.
type genStore struct {
	n    int
	body func() io.Reader
}

func (g genStore) List(ctx context.Context, fn func(Object) error) error {
	for i := range g.n {
		if err := fn(Object{URI: fmt.Sprintf("gen://%d.json", i), Key: fmt.Sprint(i)}); err != nil {
			return err
		}
	}
	return nil
}

func (g genStore) Open(context.Context, Object) (io.ReadCloser, error) {
	return io.NopCloser(g.body()), nil
}

// repeatReader yields prefix, then n bytes of 'x', then suffix.
func repeatReader(prefix string, n int, suffix string) io.Reader {
	return io.MultiReader(strings.NewReader(prefix), io.LimitReader(xs{}, int64(n)), strings.NewReader(suffix))
}

type xs struct{}

func (xs) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// BenchmarkOversizedRecordsMemory streams 256 objects through 128 workers
// (the default SPARKIFY_S3_CONCURRENCY),
// each holding one huge record (a 15 MiB log line, a 30 MiB song file) or
// one just under MaxRecord, and reports the peak growth of the Go heap.
// Records over MaxRecord are malformed records, not an out-of-memory kill:
// the peak stays near S3_CONCURRENCY x a few MaxRecord, whatever the size
// of the records.
func BenchmarkOversizedRecordsMemory(b *testing.B) {
	const good = `{"ts":1541121934796,"userId":"5"}` + "\n"
	cases := []struct {
		name   string
		decode DecodeFunc
		body   func() io.Reader
	}{
		{"log-line-15MiB", DecodeEvents, func() io.Reader { return repeatReader(good+`{"ts":1,"artist":"`, 15<<20, "\"}\n"+good) }},
		{"log-line-just-under-MaxRecord", DecodeEvents, func() io.Reader { return repeatReader(`{"ts":1,"artist":"`, MaxRecord-64, "\"}\n"+good) }},
		{"song-file-30MiB", DecodeSongs, func() io.Reader { return repeatReader(`{"song_id":"S","artist_id":"A","title":"`, 30<<20, `"}`) }},
		{"song-file-just-under-MaxRecord", DecodeSongs, func() io.Reader { return repeatReader(`{"song_id":"S","artist_id":"A","title":"`, MaxRecord-64, `"}`) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			store := genStore{n: 256, body: c.body}
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var peak atomic.Uint64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				var ms runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
						runtime.ReadMemStats(&ms)
						peak.Store(max(peak.Load(), ms.HeapInuse))
					}
				}
			}()
			for b.Loop() {
				rows := make(chan []any, 1024)
				go func() {
					for range rows {
					}
				}()
				if _, err := Stream(context.Background(), store, 128, c.decode, NewErrors(1000), rows); err != nil {
					b.Fatal(err)
				}
			}
			close(stop)
			<-sampled
			b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "MiB-peak-heap-growth")
		})
	}
}
