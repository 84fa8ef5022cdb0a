package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sparkify/warehouse/internal/testkit/s3test"
)

// s3Client serves bucket with objects from an in-process S3 (s3test), each
// request delayed by latency, points the SDK's variables at it and returns a
// client built by NewS3Client, as the job builds its own.
func s3Client(t testing.TB, bucket string, objects map[string]string, latency time.Duration) *s3.Client {
	t.Helper()
	srv := s3test.NewServer(t, bucket)
	for k, v := range objects {
		srv.Put(t, bucket, k, v)
	}
	srv.SetLatency(latency)
	srv.SetEnv(t)
	c, err := NewS3Client(context.Background(), S3Options{Region: "us-west-2", PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// countingStore records how many objects are open at once.
type countingStore struct {
	Store
	open, peak atomic.Int64
}

func (c *countingStore) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	n := c.open.Add(1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	rc, err := c.Store.Open(ctx, o)
	if err != nil {
		c.open.Add(-1)
		return nil, err
	}
	return &closer{rc, func() { c.open.Add(-1) }}, nil
}

type closer struct {
	io.ReadCloser
	done func()
}

func (c *closer) Close() error { c.done(); return c.ReadCloser.Close() }

func drain(t *testing.T, store Store, concurrency int, decode DecodeFunc, errs *Errors) (Stats, [][]any, error) {
	t.Helper()
	rows := make(chan []any)
	var got [][]any
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for r := range rows {
			got = append(got, r)
		}
	}()
	stats, err := Stream(context.Background(), store, concurrency, decode, errs, rows)
	wg.Wait()
	return stats, got, err
}

func TestStreamS3Pagination(t *testing.T) {
	// 2,503 song objects: three pages of ListObjectsV2, plus keys that are
	// not .json and keys outside the prefix, which must be ignored.
	objects := map[string]string{
		"song_data/README.txt":   "not data",
		"other/A/TROTHER.json":   `{"song_id":"SX","artist_id":"AX"}`,
		"song_dataX/TRNOPE.json": `{"song_id":"SY","artist_id":"AY"}`,
	}
	const n = 2503
	for i := range n {
		objects[fmt.Sprintf("song_data/%c/%c/TR%06d.json", 'A'+i%3, 'A'+i%5, i)] = fmt.Sprintf(`{"song_id":"S%06d","artist_id":"A1","duration":1.5,"year":0}`, i)
	}
	client := s3Client(t, "songs-bucket", objects, 0)
	loc, err := ParseLocation("s3://songs-bucket/song_data/")
	if err != nil {
		t.Fatal(err)
	}
	store, err := Open(loc, client, 0)
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: store}
	stats, rows, err := drain(t, cs, 8, DecodeSongs, NewErrors(0))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if stats.Objects != n || stats.Records != n || len(rows) != n {
		t.Fatalf("objects %d, records %d, rows %d; want %d each", stats.Objects, stats.Records, len(rows), n)
	}
	ids := make([]string, 0, n)
	for _, r := range rows {
		ids = append(ids, *r[6].(*string))
	}
	sort.Strings(ids)
	for i, id := range ids {
		if want := fmt.Sprintf("S%06d", i); id != want {
			t.Fatalf("song %d = %s, want %s (each object read exactly once)", i, id, want)
		}
	}
	if p := cs.peak.Load(); p > 8 {
		t.Errorf("%d objects open at once, want at most the concurrency 8", p)
	}
}

func TestStreamEmptyPrefix(t *testing.T) {
	client := s3Client(t, "logs-bucket", map[string]string{"log_data/2018/11/x.json": `{"ts":1}`}, 0)
	loc, _ := ParseLocation("s3://logs-bucket/log-data")
	store, _ := Open(loc, client, 0)
	_, _, err := drain(t, store, 4, DecodeEvents, NewErrors(0))
	if !errors.Is(err, ErrNoObjects) {
		t.Fatalf("err = %v, want ErrNoObjects", err)
	}
}

func TestStreamNoSuchBucket(t *testing.T) {
	client := s3Client(t, "logs-bucket", nil, 0)
	loc, _ := ParseLocation("s3://missing-bucket/log_data")
	store, _ := Open(loc, client, 0)
	_, _, err := drain(t, store, 4, DecodeEvents, NewErrors(0))
	if got := Unreachable(err); got != "the bucket does not exist" {
		t.Fatalf("Unreachable(%v) = %q", err, got)
	}
}

func TestStreamDayPrefix(t *testing.T) {
	client := s3Client(t, "logs-bucket", map[string]string{
		"log_data/2018/11/2018-11-01-events.json": "{\"ts\":1,\"userId\":\"1\"}\n{\"ts\":2,\"userId\":\"1\"}\n",
		"log_data/2018/11/2018-11-02-events.json": "{\"ts\":3,\"userId\":\"1\"}\n",
	}, 0)
	loc, _ := ParseLocation("s3://logs-bucket/log_data/2018/11/2018-11-01")
	store, _ := Open(loc, client, 0)
	stats, _, err := drain(t, store, 4, DecodeEvents, NewErrors(0))
	if err != nil || stats.Objects != 1 || stats.Records != 2 {
		t.Fatalf("stats %+v, err %v; want 1 object, 2 records", stats, err)
	}
}

func TestStreamMalformedStopsPastAllowance(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "2018", "11"), 0o755); err != nil {
		t.Fatal(err)
	}
	bad := "{\"ts\":1,\"userId\":\"1\"}\n{\"ts\":\"x\"}\n{broken\n"
	if err := os.WriteFile(filepath.Join(dir, "2018", "11", "day.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	store, _ := Open(Location{Scheme: "file", Path: dir}, nil, 0)

	errs := NewErrors(2)
	stats, _, err := drain(t, store, 2, DecodeEvents, errs)
	if err != nil || stats.Records != 1 || errs.Count() != 2 {
		t.Fatalf("allowance 2: err %v, records %d, skipped %d; want nil, 1, 2", err, stats.Records, errs.Count())
	}
	_, _, err = drain(t, store, 2, DecodeEvents, NewErrors(1))
	var tm *TooManyErrors
	if !errors.As(err, &tm) || len(tm.Samples) != 2 || tm.Samples[1].Line != 3 {
		t.Fatalf("allowance 1: err %v, want TooManyErrors naming lines 2 and 3", err)
	}
}

func TestDirMissing(t *testing.T) {
	store, _ := Open(Location{Scheme: "file", Path: filepath.Join(t.TempDir(), "nope", "deeper")}, nil, 0)
	_, _, err := drain(t, store, 2, DecodeEvents, NewErrors(0))
	if got := Unreachable(err); got != "the directory does not exist" {
		t.Fatalf("Unreachable(%v) = %q", err, got)
	}
}

func TestDirFileNamePrefix(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"2018-11-01-events.json": "{\"ts\":1}\n{\"ts\":2}\n",
		"2018-11-02-events.json": "{\"ts\":3}\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	store, _ := Open(Location{Scheme: "file", Path: filepath.Join(dir, "2018-11-01")}, nil, 0)
	stats, _, err := drain(t, store, 2, DecodeEvents, NewErrors(0))
	if err != nil || stats.Objects != 1 || stats.Records != 2 {
		t.Fatalf("stats %+v, err %v; want 1 object, 2 records", stats, err)
	}
}

func TestS3WithoutCredentialsReadsAnonymously(t *testing.T) {
	s3Client(t, "public-bucket", map[string]string{"song_data/A/TR1.json": `{"song_id":"S1","artist_id":"A1"}`}, 0)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	client, err := NewS3Client(context.Background(), S3Options{Region: "us-west-2", PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := ParseLocation("s3://public-bucket/song_data")
	store, _ := Open(loc, client, 0)
	stats, _, err := drain(t, store, 2, DecodeSongs, NewErrors(0))
	if err != nil || stats.Records != 1 {
		t.Fatalf("stats %+v, err %v; want 1 record read without credentials", stats, err)
	}
}

func TestDirMissingTopLevelDoesNotWalkTheFileSystem(t *testing.T) {
	store, _ := Open(Location{Scheme: "file", Path: "/sparkify-no-such-directory"}, nil, 0)
	_, _, err := drain(t, store, 2, DecodeEvents, NewErrors(0))
	if !errors.Is(err, ErrNoObjects) {
		t.Fatalf("err = %v, want ErrNoObjects (only / itself is read, no directory below it)", err)
	}
}

// TestS3ListingFindsEveryObjectOnce: listing descends the prefix's folders
// and lists them side by side; it must find exactly the keys a plain listing
// filtered to the prefix finds, at every depth, in key order.
func TestS3ListingFindsEveryObjectOnce(t *testing.T) {
	objects := map[string]string{
		"song_data/TRTOP.json":      "{}", // right under the prefix
		"song_data/A/TRMID.json":    "{}", // between folders
		"song_data/A/notes.txt":     "not data",
		"song_dataX/B/TRNOPE.json":  "{}", // a sibling folder, outside the prefix
		"other/song_data/TRX.json":  "{}",
		"song_data/Z/Z/Z/Z/Z.json":  "{}", // deeper than the descent
		"song_data/B/B/TRLAST.json": "{}",
	}
	for i := range 1203 { // pages of 1,000 within one folder
		objects[fmt.Sprintf("song_data/C/C/TR%06d.json", i)] = "{}"
	}
	for i := range 40 { // more folders than listers
		objects[fmt.Sprintf("song_data/D/F%02d/TR%02d.json", i, i)] = "{}"
	}
	var want []string
	for k := range objects {
		if strings.HasPrefix(k, "song_data/") && strings.HasSuffix(k, ".json") {
			want = append(want, "s3://songs-bucket/"+k)
		}
	}
	sort.Strings(want)
	client := s3Client(t, "songs-bucket", objects, 0)
	for _, prefix := range []string{"song_data", "song_data/"} {
		loc, err := ParseLocation("s3://songs-bucket/" + prefix)
		if err != nil {
			t.Fatal(err)
		}
		store, err := Open(loc, client, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := store.List(context.Background(), func(o Object) error {
			got = append(got, o.URI)
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", prefix, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: listed %d objects, want %d (first difference at %d)", prefix, len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
