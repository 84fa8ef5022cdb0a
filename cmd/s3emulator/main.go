// Command s3emulator serves the S3 API from memory, for the local demo and
// the integration tests.
//
// It is gofakes3 (github.com/johannesboyne/gofakes3, MIT licence, the version
// pinned in go.mod) with its in-memory backend, wrapped in a small main: no
// licence token, no network, and a static binary that runs FROM scratch, so
// its image builds offline (make images). Addressing is path-style
// (http://host:9000/bucket/key): clients set SPARKIFY_S3_PATH_STYLE=true.
// Requests are not authenticated; any credentials are accepted. Buckets
// have regions: a bucket is in the LocationConstraint it was created with
// (us-east-1 without one), which GetBucketLocation and HeadBucket's
// x-amz-bucket-region header report (internal/s3regions).
//
// Usage:
//
//	s3emulator [-addr :9000] [-bucket NAME[,NAME...]]... [-seed DIR] [-quiet]
//	s3emulator -healthcheck [-addr :9000]
//
// Every flag can also be set with an environment variable: S3EMULATOR_ADDR,
// S3EMULATOR_BUCKETS (comma-separated) and S3EMULATOR_SEED. -bucket creates
// the buckets at start. -seed uploads every file under DIR into the first
// bucket, the key being the file's path relative to DIR
// (DIR/song_data/A/x.json becomes s3://bucket/song_data/A/x.json).
// -healthcheck asks the server at -addr for its bucket list and exits 0 when
// it answers: images FROM scratch have no curl for a container health check.
//
// Each request is logged on one line (method, path, status, bytes, duration)
// unless -quiet is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sparkify/warehouse/internal/s3regions"
	"github.com/sparkify/warehouse/internal/toolcmd"
)

func main() { toolcmd.Main("s3emulator", run) }

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("s3emulator", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := fset.String("addr", toolcmd.Or(getenv("S3EMULATOR_ADDR"), ":9000"), "address to listen on (env S3EMULATOR_ADDR)")
	var buckets toolcmd.List
	_ = buckets.Set(getenv("S3EMULATOR_BUCKETS"))
	fset.Var(&buckets, "bucket", "bucket to create at start; repeatable or comma-separated (env S3EMULATOR_BUCKETS)")
	seed := fset.String("seed", getenv("S3EMULATOR_SEED"), "upload every file under this directory into the first bucket at start (env S3EMULATOR_SEED)")
	quiet := fset.Bool("quiet", false, "do not log each request")
	health := fset.Bool("healthcheck", false, "check that the server at -addr answers, then exit 0 (healthy) or 1")
	if help, err := toolcmd.Parse(fset, args); help || err != nil {
		return err
	}
	if *health {
		return healthcheck(ctx, *addr)
	}
	if *seed != "" && len(buckets) == 0 {
		return toolcmd.Usage(errors.New("-seed needs a -bucket to put the files in"))
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	backend := s3mem.New()
	for _, b := range buckets {
		if err := gofakes3.ValidateBucketName(b); err != nil {
			return toolcmd.Usage(fmt.Errorf("bucket %q: %w", b, err))
		}
		if err := backend.CreateBucket(b); err != nil {
			return fmt.Errorf("create bucket %q: %w", b, err)
		}
	}
	if *seed != "" {
		n, err := seedBucket(backend, buckets[0], *seed)
		if err != nil {
			return err
		}
		log.Info("seeded", "bucket", buckets[0], "dir", *seed, "objects", n)
	}

	var handler http.Handler = s3regions.Wrap(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	if !*quiet {
		handler = logRequests(log, handler)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "buckets", buckets.String())
	fmt.Fprintf(stdout, "s3emulator listening on %s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// seedBucket uploads every regular file under dir into bucket, keyed by its
// slash-separated path relative to dir, and returns how many it uploaded.
func seedBucket(backend *s3mem.Backend, bucket, dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if _, err := backend.PutObject(bucket, key, map[string]string{}, f, info.Size(), nil); err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("seed from %s: %w", dir, err)
	}
	return n, nil
}

// healthcheck lists the buckets of the server listening on addr.
func healthcheck(ctx context.Context, addr string) error {
	target, err := toolcmd.DialAddr(addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+target+"/", nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", healthcheckAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", req.URL, resp.Status)
	}
	return nil
}

// healthcheckAgent marks the requests of -healthcheck, which are not logged:
// a container health check runs every few seconds.
const healthcheckAgent = "s3emulator-healthcheck"

// logRequests logs one line per request.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.UserAgent() == healthcheckAgent {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rw, r)
		log.Info("request", "method", r.Method, "path", r.URL.RequestURI(), "status", rw.status,
			"bytes", rw.bytes, "duration", time.Since(start).Round(time.Microsecond))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}
