//go:build integration

// Package integration is the end-to-end suite: it runs the job's phases
// in-process (cli.Run) against a real Postgres and an S3 emulator, both in
// containers started with testcontainers-go, and asserts exact results.
//
// Run it with "make integration-test", which builds the images first (they
// are built offline: see deploy/images/build.sh). It needs a Docker engine;
// without one every test fails, it never skips. The images can be swapped
// for others where a registry is reachable:
//
//	SPARKIFY_TEST_POSTGRES_IMAGE  default sparkify/postgres:15 (postgres:15 works too)
//	SPARKIFY_TEST_S3_IMAGE        default sparkify/s3emulator:latest
//	SPARKIFY_TEST_S3_PORT         the S3 image's port, default 9000
//
// The two containers are started once for the package and shared; each test
// gets its own database and its own bucket from startStack, so tests do not
// see each other's data. Tests that run the job set the environment with
// t.Setenv (Stack.Env), so they must not call t.Parallel.
package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/testcontainers/testcontainers-go"

	"github.com/sparkify/warehouse/internal/config"
	"github.com/sparkify/warehouse/internal/testkit/containers"
	"github.com/sparkify/warehouse/internal/testkit/redshiftemu"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// Credentials the suite uses.
const (
	pgUser     = "sparkify"
	pgPassword = "sparkify"
	pgAdminDB  = "sparkify"

	// The emulator accepts any credentials; these are the customary ones.
	s3AccessKey = "test"
	s3SecretKey = "test"
	s3Region    = "us-east-1"
)

// Stack is one test's view of the shared containers: a database and a bucket
// of its own.
type Stack struct {
	// DatabaseURL is a fresh, empty database for this test
	// (postgres://sparkify:sparkify@127.0.0.1:PORT/test_N?sslmode=disable).
	DatabaseURL string
	// AdminURL is the server's default database, for tests that create or
	// drop databases themselves (provision and teardown on postgres).
	AdminURL string
	// S3Endpoint is the emulator's URL (http://127.0.0.1:PORT), path-style.
	S3Endpoint string
	// Bucket is a fresh, empty bucket for this test.
	Bucket string
	// Prefix is the key prefix under which Env points SPARKIFY_SONG_DATA
	// and SPARKIFY_LOG_DATA (Prefix/song_data, Prefix/log_data). Empty, the
	// default, means the bucket's root, as in the public bucket. Set it
	// before calling Env.
	Prefix string
}

// shared holds the containers that every test of the package uses. They are
// started by the first startStack and terminated by TestMain.
var shared struct {
	once       sync.Once
	err        error
	containers []testcontainers.Container
	pg         *containers.PostgresContainer
	pgHostPort string // 127.0.0.1:PORT
	s3Endpoint string
	// The Redshift-compatible endpoints (internal/testkit/redshiftemu) in front
	// of the same Postgres and S3 emulator: a provisioned cluster and a
	// Serverless workgroup, both over TLS signed by rsCAFile.
	redshift, serverless *redshiftemu.Server
	rsCAFile             string
	rsTLS                *tls.Config // their server certificate, for emulators a test starts itself
}

// seq numbers the databases and buckets handed out to tests.
var seq atomic.Int64

func TestMain(m *testing.M) {
	// make integration-test sets testcontainers-go's settings; these
	// defaults make a bare "go test -tags integration ./integration/" work too.
	containers.SetDefaults()
	code := m.Run()
	for _, s := range []*redshiftemu.Server{shared.redshift, shared.serverless} {
		if s != nil {
			s.Close()
		}
	}
	for _, c := range shared.containers {
		if err := testcontainers.TerminateContainer(c); err != nil {
			fmt.Fprintln(os.Stderr, "integration: terminate container:", err)
		}
	}
	os.Exit(code)
}

// startStack returns a Stack with a fresh database and a fresh bucket,
// starting the shared containers on first use. It fails the test, naming
// what to start or build, when Docker or an image is missing.
func startStack(t *testing.T) *Stack {
	t.Helper()
	shared.once.Do(func() { shared.err = startContainers() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	n := seq.Add(1)
	s := &Stack{
		AdminURL:   shared.pg.URL(pgAdminDB),
		S3Endpoint: shared.s3Endpoint,
		Bucket:     fmt.Sprintf("test-%d", n),
	}

	db := fmt.Sprintf("test_%d", n)
	admin, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		t.Fatalf("connect to the Postgres container: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", db, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, s.AdminURL)
		if err != nil {
			t.Errorf("drop database %s: %v", db, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", db, err)
		}
	})
	s.DatabaseURL = shared.pg.URL(db)

	if _, err := s.S3Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", s.Bucket, err)
	}
	return s
}

// startContainers starts the Postgres and S3 containers shared by the
// package.
func startContainers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	pgImage := containers.PostgresImage()
	s3Image, s3Port := containers.S3Image()
	if err := containers.Check(ctx, pgImage, s3Image); err != nil {
		return fmt.Errorf("the integration tests need a Docker engine and the images: %w;\nthen run make integration-test", err)
	}

	labels := map[string]string{"com.sparkify.integration": "true"}
	if run := os.Getenv("SPARKIFY_TEST_RUN"); run != "" {
		labels["com.sparkify.test-run"] = run
	}

	pg, err := containers.StartPostgres(ctx, containers.Postgres{
		Image: pgImage, User: pgUser, Password: pgPassword, DB: pgAdminDB,
		// A throwaway server: nothing needs to survive a crash.
		Args:   []string{"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"},
		Labels: labels,
	})
	// Terminated by TestMain: the containers outlive the test that started
	// them, so testcontainers.CleanupContainer(t, c) does not fit here.
	// Registered before the error check, as CleanupContainer would be.
	shared.containers = append(shared.containers, pg.DockerContainer)
	if err != nil {
		return err
	}
	shared.pg, shared.pgHostPort = pg, pg.HostPort
	s3c, endpoint, err := containers.StartS3(ctx, s3Image, s3Port, labels)
	shared.containers = append(shared.containers, s3c)
	if err != nil {
		return err
	}
	shared.s3Endpoint = endpoint
	return startRedshiftEmulators(ctx)
}

// startRedshiftEmulators starts the provisioned and the Serverless
// Redshift-compatible endpoints, in-process, with a CA of their own.
func startRedshiftEmulators(ctx context.Context) error {
	tlsCfg, caPEM, err := redshiftemu.NewTestTLS("127.0.0.1", "localhost")
	if err != nil {
		return fmt.Errorf("redshift emulator TLS: %w", err)
	}
	dir, err := os.MkdirTemp("", "sparkify-redshiftemu-")
	if err != nil {
		return err
	}
	shared.rsTLS = tlsCfg
	shared.rsCAFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(shared.rsCAFile, caPEM, 0o600); err != nil {
		return err
	}
	for _, serverless := range []bool{false, true} {
		srv, err := redshiftemu.Start(ctx, "127.0.0.1:0", redshiftemu.Config{
			Backend:    shared.pgHostPort,
			S3Endpoint: shared.s3Endpoint,
			S3Region:   s3Region,
			Serverless: serverless,
			TLS:        tlsCfg,
			Log:        slog.New(slog.DiscardHandler),
		})
		if err != nil {
			return fmt.Errorf("start the Redshift emulator: %w", err)
		}
		if serverless {
			shared.serverless = srv
		} else {
			shared.redshift = srv
		}
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// URI returns s3://Bucket/Prefix/rel.
func (s *Stack) URI(rel string) string {
	return "s3://" + s.Bucket + "/" + path.Join(s.Prefix, rel)
}

// Env sets, for the rest of the test, the environment a job run (cli.Run)
// needs to work on this stack: its database, its bucket's song_data and
// log_data under Prefix, the emulator's endpoint with path-style addressing
// and dummy credentials, and a report directory of its own. Every other
// SPARKIFY_ and AWS_ variable of the surrounding environment is unset, so a
// developer's shell cannot change what a test sees. Tests may override any
// variable with t.Setenv after calling Env.
func (s *Stack) Env(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, config.Prefix+"_") || strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "") // restored when the test ends
			os.Unsetenv(k)
		}
	}
	for k, v := range map[string]string{
		"SPARKIFY_TARGET":           string(warehouse.Postgres),
		"SPARKIFY_DATABASE_URL":     s.DatabaseURL,
		"SPARKIFY_SONG_DATA":        s.URI("song_data"),
		"SPARKIFY_LOG_DATA":         s.URI("log_data"),
		"SPARKIFY_S3_PATH_STYLE":    "true",
		"SPARKIFY_REPORT_DIR":       t.TempDir(),
		"AWS_ENDPOINT_URL_S3":       s.S3Endpoint,
		"AWS_ACCESS_KEY_ID":         s3AccessKey,
		"AWS_SECRET_ACCESS_KEY":     s3SecretKey,
		"AWS_REGION":                s3Region,
		"AWS_EC2_METADATA_DISABLED": "true",
		// No shared config or credentials files of the developer's.
		"AWS_CONFIG_FILE":             filepath.Join(t.TempDir(), "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "aws-credentials"),
	} {
		t.Setenv(k, v)
	}
}

// UseTarget points the job at target, after Env: "postgres" leaves Env's
// settings; "redshift" and "redshift-serverless" set SPARKIFY_TARGET=redshift
// and the endpoint's URL (TLS verified against the emulator's CA), a role,
// the region and a jsonpaths file uploaded to the bucket.
func (s *Stack) UseTarget(t *testing.T, target string) {
	t.Helper()
	if target == "postgres" {
		return
	}
	srv := shared.redshift
	if target == "redshift-serverless" {
		srv = shared.serverless
	}
	u, err := url.Parse(s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = srv.Addr()
	u.RawQuery = url.Values{"sslmode": {"verify-full"}, "sslrootcert": {shared.rsCAFile}}.Encode()
	s.Put(t, "config/log_json_path.json", []byte(jsonPaths))
	for k, v := range map[string]string{
		"SPARKIFY_TARGET":        "redshift",
		"SPARKIFY_DATABASE_URL":  u.String(),
		"SPARKIFY_IAM_ROLE_ARN":  "arn:aws:iam::123456789012:role/sparkify-redshift-s3-read",
		"SPARKIFY_SOURCE_REGION": s3Region,
		"SPARKIFY_LOG_JSONPATH":  "s3://" + s.Bucket + "/config/log_json_path.json",
	} {
		t.Setenv(k, v)
	}
}

// jsonPaths maps the log files' keys to staging_events' columns, in
// column order, as the public bucket's log_json_path.json does.
const jsonPaths = `{
    "jsonpaths": [
        "$['artist']", "$['auth']", "$['firstName']", "$['gender']", "$['itemInSession']",
        "$['lastName']", "$['length']", "$['level']", "$['location']", "$['method']",
        "$['page']", "$['registration']", "$['sessionId']", "$['song']", "$['status']",
        "$['ts']", "$['userAgent']", "$['userId']"
    ]
}`

// S3Client returns a client of the emulator: path-style, static dummy
// credentials, us-east-1.
func (s *Stack) S3Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       s3Region,
		BaseEndpoint: aws.String(s.S3Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s3AccessKey, s3SecretKey, ""),
	})
}

// Put writes one object into the test's bucket.
func (s *Stack) Put(t *testing.T, key string, body []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.S3Client().PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket),
		Key:    aws.String(key),
		Body:   bytes.NewReader(body),
	}); err != nil {
		t.Fatalf("put s3://%s/%s: %v", s.Bucket, key, err)
	}
}

// Upload copies every file under localDir into the test's bucket, at
// keyPrefix/<path relative to localDir> (slash-separated); keyPrefix may be
// empty. Upload(t, "testdata/fixture", "") gives the public bucket's layout:
// song_data/A/B/C/TRABC….json, log_data/2018/11/2018-11-01-events.json.
func (s *Stack) Upload(t *testing.T, localDir, keyPrefix string) {
	t.Helper()
	type file struct{ path, key string }
	var files []file
	err := filepath.WalkDir(localDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(localDir, p)
		if err != nil {
			return err
		}
		files = append(files, file{p, path.Join(keyPrefix, filepath.ToSlash(rel))})
		return nil
	})
	if err != nil {
		t.Fatalf("upload %s: %v", localDir, err)
	}
	if len(files) == 0 {
		t.Fatalf("upload %s: no files", localDir)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	client := s.S3Client()
	work := make(chan file)
	errs := make(chan error, len(files))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for f := range work {
				body, err := os.ReadFile(f.path)
				if err == nil {
					_, err = client.PutObject(ctx, &s3.PutObjectInput{
						Bucket: aws.String(s.Bucket),
						Key:    aws.String(f.key),
						Body:   bytes.NewReader(body),
					})
				}
				if err != nil {
					errs <- fmt.Errorf("put %s as s3://%s/%s: %w", f.path, s.Bucket, f.key, err)
				}
			}
		})
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := errors.Join(collect(errs)...); err != nil {
		t.Fatalf("upload %s: %v", localDir, err)
	}
}

func collect(errs <-chan error) []error {
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// Conn returns a connection to the test's database, closed when the test
// ends.
func (s *Stack) Conn(t *testing.T) *pgx.Conn {
	t.Helper()
	conn := dial(t, s.DatabaseURL)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// dial connects to databaseURL or fails the test; the caller closes the
// connection.
func dial(t *testing.T, databaseURL string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", databaseURL, err)
	}
	return conn
}

// TestStack proves the harness: the database and the bucket answer, each
// test gets its own, and Env yields a configuration the job accepts.
func TestStack(t *testing.T) {
	s := startStack(t)
	ctx := t.Context()

	var one int
	if err := s.Conn(t).QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}

	dir := t.TempDir()
	want := map[string]string{
		"song_data/A/B/C/TRABCXX.json":            `{"song_id":"SOX","title":"Ça va"}`,
		"log_data/2018/11/2018-11-01-events.json": "{\"page\":\"NextSong\"}\n{\"page\":\"Home\"}\n",
	}
	for key, body := range want {
		p := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s.Upload(t, dir, "run1")
	s.Put(t, "run1/extra.json", []byte("{}"))
	want["extra.json"] = "{}"
	client := s.S3Client()
	for key, body := range want {
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String("run1/" + key)})
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || string(got) != body {
			t.Errorf("get %s = %q, %v; want %q", key, got, err, body)
		}
	}

	other := startStack(t)
	if other.DatabaseURL == s.DatabaseURL || other.Bucket == s.Bucket {
		t.Fatalf("two stacks share a database or a bucket: %+v, %+v", s, other)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(other.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 0 {
		t.Errorf("a new stack's bucket holds %d objects, want 0", len(list.Contents))
	}
	var tables int
	if err := other.Conn(t).QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("a new stack's database has %d tables (%v), want 0", tables, err)
	}

	t.Setenv("SPARKIFY_TARGET", "redshift") // a developer's shell; Env must override it
	t.Setenv("SPARKIFY_MAX_ERRORS", "7")
	s.Prefix = "run1"
	s.Env(t)
	cfg, err := config.Load()
	if err != nil {
		t.Fatalf("config.Load after Env: %v", err)
	}
	if err := cfg.RequireDatabase(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"target", string(cfg.Target), string(warehouse.Postgres)},
		{"song data", cfg.SongData.String(), "s3://" + s.Bucket + "/run1/song_data"},
		{"log data", cfg.LogData.String(), "s3://" + s.Bucket + "/run1/log_data"},
		{"database", cfg.DatabaseURL, s.DatabaseURL},
		{"max errors", fmt.Sprint(cfg.MaxErrors), "0"},
		{"path style", fmt.Sprint(cfg.S3PathStyle), "true"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}
