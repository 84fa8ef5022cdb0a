package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/sparkify/warehouse/internal/testkit/containers"
)

// Credentials of the throwaway Postgres.
const (
	pgUser     = "sparkify"
	pgPassword = "sparkify"
	pgAdminDB  = "sparkify"
)

// postgres is a container started for the run.
type postgres struct {
	*containers.PostgresContainer
}

// startPostgres runs image with Postgres's stock settings (fsync and
// synchronous commits on, as a database that keeps its data runs: the
// integration suite turns them off for speed, which would make the
// row-by-row baseline's commit per record almost free) and a 256 MiB
// /dev/shm, through the integration suite's helper: published on loopback
// only, and ready once it answers over TCP. The caller removes it with stop,
// also on error.
func startPostgres(ctx context.Context, image string) (*postgres, error) {
	containers.SetDefaults()
	tclog.SetDefault(tclog.NewNoopLogger()) // the bench's log is its own lines
	if err := containers.Check(ctx, image); err != nil {
		return nil, err
	}
	pc, err := containers.StartPostgres(ctx, containers.Postgres{
		Image: image, User: pgUser, Password: pgPassword, DB: pgAdminDB,
		ShmSize: 256 << 20,
		Labels:  map[string]string{"com.sparkify.bench": "true"},
	})
	return &postgres{pc}, err
}

// createDB creates a fresh database and returns its URL.
func (p *postgres) createDB(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, p.URL(pgAdminDB))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return p.URL(name), nil
}

// checkpoint writes out every dirty page (CHECKPOINT; the bench's user is
// the server's superuser), so that a timed run does not share the disk with
// the writes of the run before it: a daily load starts long after the last
// one's checkpoint.
func (p *postgres) checkpoint(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.URL(pgAdminDB))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

func (p *postgres) version(ctx context.Context) string {
	conn, err := pgx.Connect(ctx, p.URL(pgAdminDB))
	if err != nil {
		return "PostgreSQL (version unknown)"
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "PostgreSQL (version unknown)"
	}
	return "PostgreSQL " + strings.Fields(v)[0]
}

// stop removes the container; it runs even when ctx was cancelled.
func (p *postgres) stop() error {
	if p == nil {
		return nil
	}
	return testcontainers.TerminateContainer(p.DockerContainer)
}

// startEmulator runs the S3 emulator binary on a free loopback port with
// bucket seeded from dir, and waits until it answers. The caller kills it.
func startEmulator(ctx context.Context, bin, bucket, dir string, log io.Writer) (*exec.Cmd, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, "-addr", addr, "-bucket", bucket, "-seed", dir, "-quiet")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return cmd, addr, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return cmd, "", fmt.Errorf("the S3 emulator did not answer on %s: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// delayProxy forwards every request to target after delay, on a loopback
// port of its own: a slow S3 in front of a fast emulator.
func delayProxy(target string, delay time.Duration) (addr string, closeFn func(), err error) {
	u, err := url.Parse("http://" + target)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute},
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			}
			rp.ServeHTTP(w, r)
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}
