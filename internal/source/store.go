package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"golang.org/x/sync/errgroup"
)

// Object is one input object: its full URI (used in messages) and its key
// within the store.
type Object struct {
	URI string
	Key string
	// Version changes when the object's content does: the S3 ETag, or a
	// file's size and modification time. The load's ledger compares it.
	Version string
}

// Store lists and opens the objects under one location.
type Store interface {
	// List calls fn for every .json object under the location (InPrefix),
	// in key order, following pagination.
	List(ctx context.Context, fn func(Object) error) error
	// Open streams one object's content.
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
}

// Open returns the store for a parsed location. client is used for s3://
// locations and may be nil otherwise. An object that sends no data for
// stall fails with ErrStalled (0: no limit).
func Open(loc Location, client *s3.Client, stall time.Duration) (Store, error) {
	switch loc.Scheme {
	case "s3":
		if client == nil {
			return nil, errors.New("s3 location without an S3 client")
		}
		return &s3Store{client: client, bucket: loc.Bucket, prefix: loc.Path, stall: stall}, nil
	case "file":
		return &dirStore{root: loc.Path, stall: stall}, nil
	}
	return nil, fmt.Errorf("unsupported location %s", loc)
}

type s3Store struct {
	client *s3.Client
	bucket string
	prefix string
	stall  time.Duration
}

// S3 lists 1,000 keys a request, one page after the other: 100,000 song
// objects are 100 requests in a row. So List first descends the prefix's
// folders with delimited listings, one level at a time, until it has
// listers folders (or maxDepth levels), and then lists those folders side
// by side.
const (
	listers  = 16
	maxDepth = 3
)

func (s *s3Store) List(ctx context.Context, fn func(Object) error) error {
	return listCollected(ctx, s, fn)
}

// collect returns the store's objects in no particular order (collector).
func (s *s3Store) collect(ctx context.Context) ([]Object, error) {
	objects, err := s.list(ctx)
	if err != nil {
		return nil, fmt.Errorf("list s3://%s/%s: %w", s.bucket, s.prefix, err)
	}
	return objects, nil
}

// collector is a store that can hand over its whole listing, unsorted:
// Prefetch then keeps that slice instead of a copy of it (a listing of a
// million objects is about 100 MB).
type collector interface {
	collect(ctx context.Context) ([]Object, error)
}

// list returns the .json objects in the store's prefix, in no particular
// order.
func (s *s3Store) list(ctx context.Context) ([]Object, error) {
	var objects []Object
	var mu sync.Mutex
	add := func(contents []types.Object) {
		mu.Lock()
		defer mu.Unlock()
		for _, o := range contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, ".json") && InPrefix(s.prefix, key) {
				// The key is the end of the URI: one string for both. The
				// version is copied out of the SDK's quoted ETag, whose
				// string would otherwise be held (48 bytes, not 32).
				uri := "s3://" + s.bucket + "/" + key
				objects = append(objects, Object{URI: uri, Key: uri[len(uri)-len(key):], Version: strings.Clone(strings.Trim(aws.ToString(o.ETag), `"`))})
			}
		}
	}
	// Descend: each delimited listing gives the objects right under a
	// prefix and the folders below it.
	folders := []string{s.prefix}
	for depth := 0; depth < maxDepth && len(folders) > 0 && len(folders) < listers; depth++ {
		var below []string
		for _, f := range folders {
			err := s.pages(ctx, f, "/", func(page *s3.ListObjectsV2Output) {
				add(page.Contents)
				for _, cp := range page.CommonPrefixes {
					below = append(below, aws.ToString(cp.Prefix))
				}
			})
			if err != nil {
				return nil, err
			}
		}
		folders = below
	}
	// Then list every folder whole, side by side.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(listers)
	for _, f := range folders {
		g.Go(func() error {
			return s.pages(gctx, f, "", func(page *s3.ListObjectsV2Output) { add(page.Contents) })
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return objects, nil
}

// pages lists prefix page by page, with delimiter when it is not empty.
func (s *s3Store) pages(ctx context.Context, prefix, delimiter string, fn func(*s3.ListObjectsV2Output)) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		fn(page)
	}
	return nil
}

func (s *s3Store) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	w := newWatchdog(s.stall, cancel, cancel)
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(o.Key)})
	if err != nil {
		w.close()
		return nil, &ObjectError{URI: o.URI, Err: w.cause(err)}
	}
	return w.reader(out.Body), nil
}

// watchdog fails a read that gets no data for its timeout: onStall cancels
// the request (or closes the file), and the read's error becomes
// ErrStalled. release frees what the read holds, when it is closed.
type watchdog struct {
	d       time.Duration
	t       *time.Timer
	stalled atomic.Bool
	release func()
}

func newWatchdog(d time.Duration, onStall, release func()) *watchdog {
	w := &watchdog{d: d, release: release}
	if d > 0 {
		w.t = time.AfterFunc(d, func() {
			w.stalled.Store(true)
			onStall()
		})
	}
	return w
}

// cause returns ErrStalled when the watchdog stopped the read, else err.
func (w *watchdog) cause(err error) error {
	if err != nil && w.stalled.Load() {
		return ErrStalled
	}
	return err
}

func (w *watchdog) close() {
	if w.t != nil {
		w.t.Stop()
	}
	w.release()
}

func (w *watchdog) reader(rc io.ReadCloser) io.ReadCloser { return &watchedReader{rc: rc, w: w} }

type watchedReader struct {
	rc io.ReadCloser
	w  *watchdog
}

func (r *watchedReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if n > 0 && r.w.t != nil {
		r.w.t.Reset(r.w.d)
	}
	if err == io.EOF {
		return n, err
	}
	return n, r.w.cause(err)
}

func (r *watchedReader) Close() error {
	r.w.close()
	return r.rc.Close()
}

// InPrefix reports whether key lies under prefix as a location means it: in
// the folder the prefix names (s3://b/song_data holds song_data/A/x.json but
// not song_data_old/x.json), or, when the prefix ends inside a file name, in
// that folder's files whose names start with it (log_data/2018/11/2018-11-01
// holds 2018-11-01-events.json). S3 and Redshift's COPY match plain key
// prefixes; the job narrows them this way, on both targets.
func InPrefix(prefix, key string) bool {
	if !strings.HasPrefix(key, prefix) {
		return false
	}
	rest := key[len(prefix):]
	return prefix == "" || strings.HasSuffix(prefix, "/") || strings.HasPrefix(rest, "/") || !strings.Contains(rest, "/")
}

// CopyKeys returns every key that Redshift's COPY FROM 's3://bucket/prefix'
// reads: all objects whose key starts with the prefix, whatever their name.
func CopyKeys(ctx context.Context, client *s3.Client, loc Location) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(loc.Bucket), Prefix: aws.String(loc.Path)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", loc, err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out, nil
}

// PutObject writes one object.
func PutObject(ctx context.Context, client *s3.Client, loc Location, body []byte) error {
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Path), Body: bytes.NewReader(body)}); err != nil {
		return fmt.Errorf("put %s: %w", loc, err)
	}
	return nil
}

// DeleteObject removes one object.
func DeleteObject(ctx context.Context, client *s3.Client, loc Location) error {
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Path)}); err != nil {
		return fmt.Errorf("delete %s: %w", loc, err)
	}
	return nil
}

type dirStore struct {
	root  string
	stall time.Duration
}

// List walks the directory. Like an S3 prefix, the location may also end in
// the start of a file name (file:///data/log_data/2018/11/2018-11-01).
func (d *dirStore) List(ctx context.Context, fn func(Object) error) error {
	return listCollected(ctx, d, fn)
}

// collect returns the store's objects in no particular order (collector).
func (d *dirStore) collect(ctx context.Context) ([]Object, error) {
	root, prefix := d.root, ""
	if st, err := os.Stat(d.root); err != nil || !st.IsDir() {
		root, prefix = filepath.Dir(d.root), d.root
	}
	objects, err := walk(ctx, root, prefix)
	if err != nil {
		return nil, fmt.Errorf("list file://%s: %w", d.root, err)
	}
	return objects, nil
}

// walkers is how many directories walk reads at once. A song bucket copied
// to disk holds 100,000s of files in 1,000s of directories, and reading the
// directories and one stat a file (the file's version) is then most of a
// listing's time, spent in system calls that run in parallel.
const walkers = 8

// walk returns the .json files under root that are in prefix (all of them
// when prefix is empty), entering only directories that can hold a match,
// in no particular order.
func walk(ctx context.Context, root, prefix string) ([]Object, error) {
	var (
		mu      sync.Mutex
		objects []Object
	)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(walkers)
	var visit func(dir string) error
	visit = func(dir string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		defer d.Close()
		entries, err := d.ReadDir(-1)
		if err != nil {
			return err
		}
		var found []Object
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if e.IsDir() {
				if !strings.HasPrefix(p, prefix) && !strings.HasPrefix(prefix, p+string(filepath.Separator)) {
					continue
				}
				// On another goroutine when one is free, else here.
				if !g.TryGo(func() error { return visit(p) }) {
					if err := visit(p); err != nil {
						return err
					}
				}
				continue
			}
			if !strings.HasSuffix(p, ".json") || !InPrefix(prefix, p) || !regular(p, e) {
				continue
			}
			version, err := versionAt(d, e.Name())
			if err != nil {
				return err
			}
			found = append(found, Object{URI: "file://" + p, Key: p, Version: version})
		}
		mu.Lock()
		objects = append(objects, found...)
		mu.Unlock()
		return nil
	}
	g.Go(func() error { return visit(root) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return objects, nil
}

// listCollected is Store.List for a collector: its whole listing, sorted.
func listCollected(ctx context.Context, c collector, fn func(Object) error) error {
	objects, err := c.collect(ctx)
	if err != nil {
		return err
	}
	return sendSorted(ctx, objects, fn)
}

// sendSorted calls fn for each object in key order, as Store.List
// promises, until fn fails or ctx is done.
func sendSorted(ctx context.Context, objects []Object, fn func(Object) error) error {
	slices.SortFunc(objects, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	for _, o := range objects {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// fileVersion is a file's version: its size and modification time in
// nanoseconds since the Unix epoch.
func fileVersion(size, mtime int64) string {
	return strconv.FormatInt(size, 10) + "-" + strconv.FormatInt(mtime, 10)
}

// Open opens a file; cancelling ctx, or a stall, closes it, which ends a
// blocked read.
func (d *dirStore) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	f, err := os.Open(o.Key)
	if err != nil {
		return nil, &ObjectError{URI: o.URI, Err: err}
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	w := newWatchdog(d.stall, func() { f.Close() }, func() { stop() })
	return w.reader(f), nil
}

// regular reports whether the walked entry is a regular file (or a link to
// one): FIFOs, sockets and devices could block a read for ever.
func regular(p string, e fs.DirEntry) bool {
	if e.Type().IsRegular() {
		return true
	}
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// BucketRegion returns the region of bucket: the x-amz-bucket-region
// header of HeadBucket, which S3 sends even when it refuses the request
// (API_HeadBucket.html), or else GetBucketLocation's answer
// (API_GetBucketLocation.html: an empty LocationConstraint is us-east-1,
// the legacy "EU" is eu-west-1).
func BucketRegion(ctx context.Context, client *s3.Client, bucket string) (string, error) {
	var header string
	_, herr := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("bucketRegionHeader",
				func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleDeserialize(ctx, in)
					if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
						if r := resp.Header.Get("X-Amz-Bucket-Region"); r != "" {
							header = r
						}
					}
					return out, md, err
				}), middleware.After)
		})
	})
	if header != "" {
		return header, nil
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	out, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err != nil {
		return "", fmt.Errorf("region of bucket %s: %w", bucket, errors.Join(herr, err))
	}
	switch r := string(out.LocationConstraint); r {
	case "":
		return "us-east-1", nil
	case "EU":
		return "eu-west-1", nil
	default:
		return r, nil
	}
}
