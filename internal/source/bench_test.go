package source

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// benchStore serves objects from an in-process S3 whose every request takes
// latency, like a real bucket seen from a cluster (tens of milliseconds per
// GET): that is what makes fetching tiny song objects latency-bound.
func benchStore(b *testing.B, latency time.Duration, objects map[string]string) Store {
	b.Helper()
	store, err := Open(Location{Scheme: "s3", Bucket: "bench"}, s3Client(b, "bench", objects, latency), 0)
	if err != nil {
		b.Fatal(err)
	}
	return store
}

func songObjects(n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprintf("song_data/%c/%c/TR%06d.json", 'A'+i%26, 'A'+i/26%26, i)] = fmt.Sprintf(
			`{"num_songs": 1, "artist_id": "AR%06d", "artist_latitude": null, "artist_longitude": null, "artist_location": "", "artist_name": "Artist %d", "song_id": "SO%06d", "title": "Song %d", "duration": 218.93179, "year": 0}`, i, i, i, i)
	}
	return m
}

func logObjects(files, lines int) map[string][]byte {
	m := make(map[string][]byte, files)
	for f := range files {
		var buf bytes.Buffer
		for l := range lines {
			fmt.Fprintf(&buf, `{"artist":"Artist %d","auth":"Logged In","firstName":"Zoë","gender":"F","itemInSession":%d,"lastName":"Ångström","length":218.93179,"level":"paid","location":"Köln","method":"PUT","page":"NextSong","registration":1540919166796.0,"sessionId":%d,"song":"Song %d","status":200,"ts":%d,"userAgent":"\"Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0\"","userId":"%d"}`+"\n",
				l, l, f, l, 1541030400000+int64(f)*86400000+int64(l)*1000, l%97)
		}
		m[fmt.Sprintf("log_data/2018/11/2018-11-%02d-events.json", f+1)] = buf.Bytes()
	}
	return m
}

// consume drains rows, sampling the live heap; it returns the peak.
func consume(rows <-chan []any) (peak uint64) {
	var ms runtime.MemStats
	var n int
	for range rows {
		n++
		if n%2000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	return peak
}

// BenchmarkStreamSongs fetches 2,000 one-song objects with 5 ms of latency
// per request, at several concurrencies: the speed-up is the point of
// fetching concurrently.
func BenchmarkStreamSongs(b *testing.B) {
	store := benchStore(b, 5*time.Millisecond, songObjects(2000))
	for _, c := range []int{1, 8, 32, 128} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			var objects int64
			for b.Loop() {
				rows := make(chan []any, 1024)
				done := make(chan struct{})
				go func() { consume(rows); close(done) }()
				stats, err := Stream(context.Background(), store, c, DecodeSongs, NewErrors(0), rows)
				<-done
				if err != nil || stats.Records != 2000 {
					b.Fatalf("stats %+v, err %v", stats, err)
				}
				objects += stats.Objects
			}
			b.ReportMetric(float64(objects)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}

// BenchmarkStreamEventsMemory streams log files of growing total size from a
// directory (an in-process S3 would hold every object in the same heap) and
// reports the peak growth of the live heap: it stays flat as the data grows,
// because rows flow through a bounded channel instead of being collected.
func BenchmarkStreamEventsMemory(b *testing.B) {
	for _, files := range []int{10, 40, 120} {
		b.Run(fmt.Sprintf("records=%d", files*5000), func(b *testing.B) {
			objects := logObjects(files, 5000)
			var size int
			for _, v := range objects {
				size += len(v)
			}
			dir := b.TempDir()
			for k, v := range objects {
				p := filepath.Join(dir, filepath.FromSlash(k))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(p, v, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			objects = nil
			store, err := Open(Location{Scheme: "file", Path: dir}, nil, 0)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var peak atomic.Uint64
			var records int64
			for b.Loop() {
				rows := make(chan []any, 1024)
				done := make(chan struct{})
				go func() { peak.Store(max(peak.Load(), consume(rows))); close(done) }()
				stats, err := Stream(context.Background(), store, 32, DecodeEvents, NewErrors(0), rows)
				<-done
				if err != nil {
					b.Fatal(err)
				}
				records += stats.Records
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(size)/(1<<20), "MiB-of-source")
			b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "MiB-peak-heap-growth")
		})
	}
}

// BenchmarkDecode measures the decoders alone, on data in memory: the CPU
// cost per record that staging pays before the rows reach COPY.
func BenchmarkDecode(b *testing.B) {
	events := logObjects(1, 10000)["log_data/2018/11/2018-11-01-events.json"]
	songs := songObjects(1)
	var song []byte
	for _, s := range songs {
		song = []byte(s)
	}
	for _, bc := range []struct {
		name    string
		decode  DecodeFunc
		data    []byte
		records int
	}{
		{"events", DecodeEvents, events, 10000},
		{"song", DecodeSongs, song, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			var n int
			emit := func([]any) error { n++; return nil }
			bad := func(e *RecordError) error { return e }
			for b.Loop() {
				if err := bc.decode("file:///x.json", bytes.NewReader(bc.data), emit, bad); err != nil {
					b.Fatal(err)
				}
			}
			if n != b.N*bc.records {
				b.Fatalf("decoded %d records, want %d", n, b.N*bc.records)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/record")
		})
	}
}

// BenchmarkListS3 lists 20,000 one-song objects (26 × 26 folders, as in the
// public bucket) from an in-process S3 that adds 20 ms to every request.
// A plain listing is 20 pages of 1,000 keys in a row; List descends to the
// first level with 16 folders or more and lists those side by side.
func BenchmarkListS3(b *testing.B) {
	store := benchStore(b, 20*time.Millisecond, songObjects(20000))
	for b.Loop() {
		var n int
		if err := store.List(context.Background(), func(Object) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 20000 {
			b.Fatalf("listed %d objects, want 20000", n)
		}
	}
}
