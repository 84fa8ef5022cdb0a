// Package s3regions models bucket regions in front of gofakes3, which does
// not: it ignores CreateBucket's LocationConstraint and answers every
// GetBucketLocation with an empty one (us-east-1). Wrap remembers the
// LocationConstraint a bucket was created with, answers GetBucketLocation
// with it (API_GetBucketLocation.html) and sets x-amz-bucket-region on
// HeadBucket (API_HeadBucket.html). Buckets created otherwise are in
// us-east-1. Addressing is path-style.
package s3regions

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"sync"
)

// defaultRegion is the region of a bucket created without a location
// constraint, as on AWS (us-east-1).
const defaultRegion = "us-east-1"

// bucketRegions is the region of each bucket.
type bucketRegions struct {
	mu      sync.Mutex
	regions map[string]string // bucket: region other than us-east-1
}

// Wrap serves the bucket-region parts of the S3 API around next, an S3
// server (gofakes3).
func Wrap(next http.Handler) http.Handler {
	b := &bucketRegions{regions: map[string]string{}}
	return b.wrap(next)
}

func (b *bucketRegions) get(bucket string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r, ok := b.regions[bucket]; ok {
		return r
	}
	return defaultRegion
}

func (b *bucketRegions) set(bucket, region string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if region == "" || region == defaultRegion {
		delete(b.regions, bucket)
		return
	}
	b.regions[bucket] = region
}

// createBucketConfiguration is CreateBucket's request body.
type createBucketConfiguration struct {
	LocationConstraint string
}

// locationConstraint is GetBucketLocation's answer: empty for us-east-1.
type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Region  string   `xml:",chardata"`
}

// wrap serves the bucket-region parts of the API around next.
func (b *bucketRegions) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if bucket == "" || key != "" {
			next.ServeHTTP(w, r)
			return
		}
		_, location := r.URL.Query()["location"]
		switch {
		case r.Method == http.MethodPut && len(r.URL.Query()) == 0:
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var cfg createBucketConfiguration
			if len(bytes.TrimSpace(body)) > 0 {
				if err := xml.Unmarshal(body, &cfg); err != nil {
					http.Error(w, "MalformedXML: "+err.Error(), http.StatusBadRequest)
					return
				}
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rw, r)
			if rw.status == http.StatusOK {
				b.set(bucket, cfg.LocationConstraint)
			}
		case r.Method == http.MethodDelete && len(r.URL.Query()) == 0:
			rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rw, r)
			if rw.status < 300 {
				b.set(bucket, "")
			}
		case r.Method == http.MethodHead && len(r.URL.Query()) == 0:
			next.ServeHTTP(&regionHeader{ResponseWriter: w, region: b.get(bucket)}, r)
		case r.Method == http.MethodGet && location:
			// gofakes3 answers for buckets that exist (NoSuchBucket
			// otherwise): let it, then replace its empty constraint.
			rec := &bufferWriter{header: http.Header{}, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			if rec.status != http.StatusOK {
				for k, v := range rec.header {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.status)
				_, _ = w.Write(rec.body.Bytes())
				return
			}
			lc := locationConstraint{}
			if region := b.get(bucket); region != defaultRegion {
				lc.Region = region
			}
			out, _ := xml.Marshal(lc)
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write(append([]byte(xml.Header), out...))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// bufferWriter holds a response to look at before it is sent.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header         { return w.header }
func (w *bufferWriter) WriteHeader(code int)        { w.status = code }
func (w *bufferWriter) Write(p []byte) (int, error) { return w.body.Write(p) }

// statusWriter remembers the status sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// regionHeader sets x-amz-bucket-region on a response about a bucket that
// exists (S3 sends none with 404 NoSuchBucket).
type regionHeader struct {
	http.ResponseWriter
	region string
	sent   bool
}

func (w *regionHeader) WriteHeader(code int) {
	if !w.sent && code != http.StatusNotFound {
		w.Header().Set("x-amz-bucket-region", w.region)
	}
	w.sent = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *regionHeader) Write(p []byte) (int, error) {
	if !w.sent {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}
