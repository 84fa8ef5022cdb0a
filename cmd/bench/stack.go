package main

import (
	"bytes"
	"context"
	"errors"
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
)

// Credentials of the throwaway Postgres.
const (
	pgUser     = "sparkify"
	pgPassword = "sparkify"
	pgAdminDB  = "sparkify"
)

// postgres is a container started for the run.
type postgres struct {
	id       string
	hostPort string // 127.0.0.1:PORT
}

// startPostgres runs image with Postgres's stock settings (fsync and
// synchronous commits on, as a database that keeps its data runs: the
// integration suite turns them off for speed, which would make the
// row-by-row baseline's commit per record almost free), published on
// loopback only, and waits until it answers over TCP (the entrypoint's first server listens on
// the Unix socket only). The caller removes it with stop, also on error.
func startPostgres(ctx context.Context, image string) (*postgres, error) {
	if out, err := exec.CommandContext(ctx, "docker", "image", "inspect", image).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("image %s is not in the local Docker engine (%s): build it with make images", image, firstLine(out, err))
	}
	out, err := exec.CommandContext(ctx, "docker", "run", "-d", "--rm",
		"--label", "com.sparkify.bench=true",
		"-p", "127.0.0.1::5432", "--shm-size", "256m",
		"-e", "POSTGRES_USER="+pgUser, "-e", "POSTGRES_PASSWORD="+pgPassword, "-e", "POSTGRES_DB="+pgAdminDB,
		"-e", "POSTGRES_INITDB_ARGS=--no-sync",
		image).Output()
	if err != nil {
		return nil, fmt.Errorf("docker run %s: %s", image, firstLine(out, err))
	}
	p := &postgres{id: strings.TrimSpace(string(out))}
	port, err := exec.CommandContext(ctx, "docker", "port", p.id, "5432/tcp").Output()
	if err != nil {
		return p, fmt.Errorf("docker port: %s", firstLine(port, err))
	}
	p.hostPort = strings.TrimSpace(strings.Split(string(port), "\n")[0])
	deadline := time.Now().Add(90 * time.Second)
	for {
		err = ping(ctx, p.url(pgAdminDB))
		if err == nil {
			return p, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			logs, _ := exec.Command("docker", "logs", "--tail", "20", p.id).CombinedOutput()
			return p, fmt.Errorf("postgres did not answer on %s within 90 s: %w\n%s", p.hostPort, err, logs)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func ping(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "SELECT 1")
	return err
}

func (p *postgres) url(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(pgUser, pgPassword), Host: p.hostPort,
		Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// createDB creates a fresh database and returns its URL.
func (p *postgres) createDB(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, p.url(pgAdminDB))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return p.url(name), nil
}

// checkpoint writes out every dirty page (CHECKPOINT; the bench's user is
// the server's superuser), so that a timed run does not share the disk with
// the writes of the run before it: a daily load starts long after the last
// one's checkpoint.
func (p *postgres) checkpoint(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.url(pgAdminDB))
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
	conn, err := pgx.Connect(ctx, p.url(pgAdminDB))
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
	if p == nil || p.id == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "rm", "-f", p.id).CombinedOutput(); err != nil {
		return fmt.Errorf("docker rm -f %s: %s", p.id, firstLine(out, err))
	}
	return nil
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

// firstLine explains a failed command: its output's first line, or err.
func firstLine(out []byte, err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		out = ee.Stderr
	}
	if line, _, _ := bytes.Cut(bytes.TrimSpace(out), []byte("\n")); len(line) > 0 {
		return string(line)
	}
	return err.Error()
}
