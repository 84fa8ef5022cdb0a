//go:build integration

package redshiftemu_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/testcontainers/testcontainers-go"

	"github.com/sparkify/warehouse/internal/s3regions"
	"github.com/sparkify/warehouse/internal/testkit/containers"
	"github.com/sparkify/warehouse/internal/testkit/redshiftemu"
)

const (
	pgUser     = "sparkify"
	pgPassword = "sparkify-test"
	role       = "arn:aws:iam::123456789012:role/sparkify-redshift"
)

type env struct {
	pgAddr  string
	s3URL   string
	s3      *s3.Client
	caFile  string
	servers map[bool]*redshiftemu.Server // by Serverless
}

var shared *env

func TestMain(m *testing.M) {
	containers.SetDefaults()
	code := m.Run()
	terminate()
	os.Exit(code)
}

func setup(t *testing.T) *env {
	t.Helper()
	if shared != nil {
		return shared
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	image := containers.PostgresImage()
	pg, err := containers.StartPostgres(ctx, containers.Postgres{
		Image: image, User: pgUser, Password: pgPassword, DB: "postgres",
		Args: []string{"-c", "fsync=off"},
	})
	terminate = func() { testcontainers.TerminateContainer(pg.DockerContainer) }
	if err != nil {
		t.Fatalf("%v (build the image with make images)", err)
	}
	e := &env{pgAddr: pg.HostPort, servers: map[bool]*redshiftemu.Server{}}

	s3srv := httptest.NewServer(s3regions.Wrap(gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()))
	e.s3URL = s3srv.URL
	e.s3 = s3.New(s3.Options{Region: "us-east-1", UsePathStyle: true, BaseEndpoint: aws.String(s3srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})

	tlsCfg, caPEM, err := redshiftemu.NewTestTLS("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	e.caFile = filepath.Join(os.TempDir(), fmt.Sprintf("redshiftemu-ca-%d.pem", os.Getpid()))
	if err := os.WriteFile(e.caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, serverless := range []bool{false, true} {
		srv, err := redshiftemu.Start(ctx, "127.0.0.1:0", redshiftemu.Config{
			Backend: e.pgAddr, S3Endpoint: s3srv.URL, S3Region: "us-east-1", Serverless: serverless,
			TLS: tlsCfg, AllowedRoles: []string{role},
		})
		if err != nil {
			t.Fatal(err)
		}
		e.servers[serverless] = srv
	}
	shared = e
	return e
}

// terminate stops the Postgres container; TestMain calls it after the tests.
var terminate = func() {}

var dbSeq int

// newDB creates a fresh database and returns a pgx config for it through
// the emulator.
func (e *env) newDB(t *testing.T, serverless bool) *pgx.ConnConfig {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s:%s@%s/postgres?sslmode=disable", pgUser, pgPassword, e.pgAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	dbSeq++
	db := fmt.Sprintf("emu_%d_%d", os.Getpid(), dbSeq)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(pgUser, pgPassword), Host: e.servers[serverless].Addr(), Path: "/" + db,
		RawQuery: "sslmode=verify-full&sslrootcert=" + url.QueryEscape(e.caFile)}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	return cfg
}

func connect(t *testing.T, cfg *pgx.ConnConfig) *pgx.Conn {
	t.Helper()
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("connect through the emulator: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func (e *env) put(t *testing.T, bucket, key, body string) {
	t.Helper()
	ctx := context.Background()
	in := &s3.CreateBucketInput{Bucket: aws.String(bucket)}
	if bucket == "udacity-dend" { // the public bucket's region
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintUsWest2}
	}
	e.s3.CreateBucket(ctx, in)
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
}

func pgErr(t *testing.T, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PgError, got %v", err)
	}
	return pe
}

func exec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestHandshake(t *testing.T) {
	e := setup(t)
	c := connect(t, e.newDB(t, false))
	pc := c.PgConn()
	for k, want := range map[string]string{"server_version": "8.0.2", "client_encoding": "UNICODE", "DateStyle": "ISO, MDY", "TimeZone": "UTC", "integer_datetimes": "on", "is_superuser": "on", "session_authorization": pgUser, "standard_conforming_strings": ""} {
		if got := pc.ParameterStatus(k); got != want {
			t.Errorf("ParameterStatus(%s) = %q, want %q", k, got, want)
		}
	}
	// pgx's simple protocol refuses a server without
	// standard_conforming_strings: the fault the emulator reproduces.
	_, err := c.Exec(context.Background(), "SELECT $1::int", pgx.QueryExecModeSimpleProtocol, 1)
	if err == nil || !strings.Contains(err.Error(), "standard_conforming_strings") {
		t.Errorf("simple protocol: err = %v, want the standard_conforming_strings refusal", err)
	}
	var n int
	if err := c.QueryRow(context.Background(), "SELECT $1::int + 1", 41).Scan(&n); err != nil || n != 42 {
		t.Errorf("extended protocol: %d, %v", n, err)
	}
	_, err = c.Exec(context.Background(), "SET standard_conforming_strings TO on")
	if pe := pgErr(t, err); pe.Code != "42704" || pe.Message != `unrecognized configuration parameter "standard_conforming_strings"` {
		t.Errorf("SET standard_conforming_strings: %s %s", pe.Code, pe.Message)
	}
	exec(t, c, "SET query_group TO 'etl'")
	exec(t, c, "SET statement_timeout TO 0")
}

func TestDDLAndRejections(t *testing.T) {
	e := setup(t)
	c := connect(t, e.newDB(t, false))
	ctx := context.Background()
	exec(t, c, `CREATE TABLE songplays (
		songplay_id BIGINT IDENTITY(0,1) PRIMARY KEY,
		start_time TIMESTAMP NOT NULL,
		user_id INTEGER NOT NULL DISTKEY,
		level VARCHAR(10) ENCODE zstd,
		created TIMESTAMP DEFAULT GETDATE()
	) DISTSTYLE KEY COMPOUND SORTKEY (start_time)`)
	exec(t, c, "INSERT INTO songplays (start_time, user_id, level) VALUES ('2018-11-01 00:00:00', 1, 'free'), ('2018-11-01 00:00:01', 2, 'paid')")
	var ids []int64
	rows, _ := c.Query(ctx, "SELECT songplay_id FROM songplays ORDER BY songplay_id")
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) != 2 || ids[0] != 0 || ids[1] != 1 {
		t.Errorf("identity ids = %v, %v", ids, err)
	}
	var coll string
	if err := c.QueryRow(ctx, "SELECT collation_name FROM information_schema.columns WHERE table_name = 'songplays' AND column_name = 'level'").Scan(&coll); err != nil || coll != "C" {
		t.Errorf("level collation = %q, %v", coll, err)
	}
	for _, q := range []string{
		"INSERT INTO songplays (start_time, user_id) VALUES (now(), 1)",
		"INSERT INTO songplays (start_time, user_id) VALUES ('2018-11-01', 1) ON CONFLICT DO NOTHING",
		"SELECT DISTINCT ON (user_id) user_id FROM songplays",
		"SELECT string_agg(level, ',') FROM songplays",
	} {
		_, err := c.Exec(ctx, q)
		if pe := pgErr(t, err); pe.Code != "0A000" || !strings.Contains(pe.Message, "not supported by Amazon Redshift") {
			t.Errorf("%s: %s %s", q, pe.Code, pe.Message)
		}
	}
	_, err = c.Exec(ctx, "SELECT 'a' AS x UNION ALL SELECT 'b'")
	if pe := pgErr(t, err); pe.Code != "XX000" {
		t.Errorf("union literal: %s %s", pe.Code, pe.Message)
	}
	// An emulated error inside a transaction aborts it.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM songplays"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "TRUNCATE songplays"); pgErr(t, err).Code != "0A000" {
		t.Errorf("TRUNCATE in a transaction: %v", err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1"); pgErr(t, err).Code != "25P02" {
		t.Errorf("after the error: %v", err)
	}
	tx.Rollback(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM songplays").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows after rollback = %d, %v", n, err)
	}
}

const events = `{"artist":null,"auth":"Logged In","firstName":"Kaylee","length":null,"level":"free","page":"Home","sessionId":139,"ts":1541106106796,"userId":"8"}
{"artist":"Des'ree","auth":"Logged In","firstName":"Kaylee","length":246.30812,"level":"free","page":"NextSong","sessionId":139,"ts":1541106352796,"userId":"8"}
{"artist":"Mr Oizo","auth":"Logged In","firstName":"Kaylee","length":144.03873,"level":"free","page":"NextSong","sessionId":139,
 "ts":1541106496796,"userId":"8"}
{"artist":"Tamba Trio","auth":"Logged Out","firstName":null,"length":177.18812,"level":"free","page":"NextSong","sessionId":"x139","ts":1541106673796,"userId":""}
`

const jsonpaths = `{"jsonpaths": ["$['artist']", "$.auth", "$.firstName", "$.length", "$.level", "$.page", "$.sessionId", "$.ts", "$.userId"]}`

const stagingDDL = `CREATE TABLE staging_events (artist VARCHAR(256), auth VARCHAR(20), first_name VARCHAR(50), length DOUBLE PRECISION,
	level VARCHAR(10), page VARCHAR(30), session_id INTEGER, ts TIMESTAMP, user_id INTEGER)`

func TestCopyJSONPaths(t *testing.T) {
	e := setup(t)
	e.put(t, "udacity-dend", "log_data/2018/11/2018-11-01-events.json", events)
	e.put(t, "udacity-dend", "log_json_path.json", jsonpaths)
	c := connect(t, e.newDB(t, false))
	ctx := context.Background()
	exec(t, c, stagingDDL)
	copySQL := "COPY staging_events FROM 's3://udacity-dend/log_data' IAM_ROLE '" + role + "' REGION 'us-west-2' FORMAT AS JSON 's3://udacity-dend/log_json_path.json' TIMEFORMAT AS 'epochmillisecs'"

	// MAXERROR 0: the bad sessionId fails the load, nothing is loaded, and
	// the errors survive the rollback, found by the session and the COPY's
	// start time: the rolled-back COPY does not update pg_last_copy_id()
	// (PG_LAST_COPY_ID.html), which stays -1.
	tx, _ := c.Begin(ctx)
	var pid int64
	var before string
	if err := tx.QueryRow(ctx, "SELECT pg_backend_pid(), CAST(GETDATE() AS VARCHAR(32))").Scan(&pid, &before); err != nil {
		t.Fatal(err)
	}
	_, err := tx.Exec(ctx, copySQL)
	pe := pgErr(t, err)
	if pe.Code != "XX000" || pe.Message != "Load into table 'staging_events' failed.  Check 'stl_load_errors' system table for details." {
		t.Errorf("failed COPY: %s %q", pe.Code, pe.Message)
	}
	tx.Rollback(ctx)
	var line int64
	var colname, raw string
	var code int
	var lastID int64
	if err := c.QueryRow(ctx, "SELECT pg_last_copy_id()").Scan(&lastID); err != nil || lastID != -1 {
		t.Errorf("pg_last_copy_id() after the rolled-back COPY = %d, %v; want -1 (not updated)", lastID, err)
	}
	err = c.QueryRow(ctx, "SELECT line_number, trim(colname), trim(raw_field_value), err_code FROM stl_load_errors WHERE session = $1 AND starttime >= CAST($2 AS TIMESTAMP)", pid, before).Scan(&line, &colname, &raw, &code)
	if err != nil || line != 5 || colname != "session_id" || raw != "x139" || code != 1207 {
		t.Errorf("stl_load_errors: line %d col %q raw %q code %d err %v", line, colname, raw, code, err)
	}

	// MAXERROR 10: the bad record is skipped.
	exec(t, c, copySQL+" MAXERROR 10")
	var n int64
	if err := c.QueryRow(ctx, "SELECT pg_last_copy_count()").Scan(&n); err != nil || n != 3 {
		t.Errorf("pg_last_copy_count() = %d, %v", n, err)
	}
	var ts time.Time
	var user *int32
	if err := c.QueryRow(ctx, "SELECT ts, user_id FROM staging_events WHERE artist = 'Des''ree'").Scan(&ts, &user); err != nil ||
		!ts.Equal(time.Date(2018, 11, 1, 21, 5, 52, 796e6, time.UTC)) || user == nil || *user != 8 {
		t.Errorf("row: %v %v %v", ts, user, err)
	}
	var status string
	var loaded int64
	if err := c.QueryRow(ctx, "SELECT status, loaded_rows FROM sys_load_history WHERE query_id = pg_last_copy_id()").Scan(&status, &loaded); err != nil || status != "completed" || loaded != 3 {
		t.Errorf("sys_load_history: %s %d %v", status, loaded, err)
	}
	// The same COPY through the extended protocol (pgx Query).
	rows, _ := c.Query(ctx, copySQL+" MAXERROR 10")
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Errorf("COPY over the extended protocol: %v", err)
	}
	if err := c.QueryRow(ctx, "SELECT pg_last_copy_count(), (SELECT count(*) FROM staging_events)").Scan(&n, &loaded); err != nil || n != 3 || loaded != 6 {
		t.Errorf("after the second COPY: count %d rows %d, %v", n, loaded, err)
	}
	// Errors of the missing bucket come before any row.
	_, err = c.Exec(ctx, "COPY staging_events FROM 's3://no-such-bucket/x' IAM_ROLE '"+role+"' JSON 'auto'")
	if pe := pgErr(t, err); pe.Code != "XX000" || !strings.Contains(pe.Message, "S3ServiceException") {
		t.Errorf("missing bucket: %s %s", pe.Code, pe.Message)
	}
	_, err = c.Exec(ctx, "COPY staging_events FROM 's3://udacity-dend/log_data' IAM_ROLE 'arn:aws:iam::123456789012:role/other' JSON 'auto'")
	if pe := pgErr(t, err); pe.Code != "XX000" || !strings.Contains(pe.Message, "is not authorized to assume IAM Role") {
		t.Errorf("role: %s %s", pe.Code, pe.Message)
	}
}

func TestServerless(t *testing.T) {
	e := setup(t)
	e.put(t, "sl-bucket", "events/a.json", events)
	e.put(t, "sl-bucket", "paths.json", jsonpaths)
	c := connect(t, e.newDB(t, true))
	ctx := context.Background()
	exec(t, c, stagingDDL)
	_, err := c.Exec(ctx, "COPY staging_events FROM 's3://sl-bucket/events/' IAM_ROLE '"+role+"' FORMAT AS JSON 's3://sl-bucket/paths.json' TIMEFORMAT 'epochmillisecs'")
	if pe := pgErr(t, err); !strings.Contains(pe.Message, "Check 'sys_load_error_detail'") {
		t.Errorf("serverless failure: %s", pe.Message)
	}
	_, err = c.Exec(ctx, "SELECT * FROM stl_load_errors")
	if pe := pgErr(t, err); pe.Code != "42P01" || pe.Message != `relation "stl_load_errors" does not exist` {
		t.Errorf("stl_load_errors on serverless: %s %s", pe.Code, pe.Message)
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM sys_load_error_detail WHERE query_id = pg_last_copy_id()").Scan(&n); err != nil || n != 1 {
		t.Errorf("sys_load_error_detail rows = %d, %v", n, err)
	}
}

func TestCancel(t *testing.T) {
	e := setup(t)
	cfg := e.newDB(t, false)
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	c := connect(t, cfg)
	// A LOCK that waits for another session's lock (Redshift has no
	// pg_sleep).
	holder := connect(t, cfg)
	exec(t, holder, "CREATE TABLE held (a INT)")
	exec(t, holder, "BEGIN")
	exec(t, holder, "LOCK held")
	exec(t, c, "BEGIN")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Exec(ctx, "LOCK held")
	if err == nil {
		t.Fatal("the waiting LOCK was not cancelled")
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("cancel took %v", d)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code != "57014" {
		t.Errorf("cancel: %s %s", pe.Code, pe.Message)
	}
	// The connection is still usable.
	exec(t, c, "ROLLBACK")
	var n int
	if err := c.QueryRow(context.Background(), "SELECT 1").Scan(&n); err != nil {
		t.Errorf("after cancel: %v", err)
	}
}

// TestCopyRegion: every object a COPY reads, the manifest included, must be
// in the COPY's REGION (the cluster's without one); a bucket elsewhere
// fails the COPY with S3's redirect (copy-parameters-data-source-s3.html).
func TestCopyRegion(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("region-eu"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	e.put(t, "region-eu", "events/a.json", `{"artist": "a"}`)
	e.put(t, "region-us", "events/a.json", `{"artist": "a"}`)
	e.put(t, "region-us", "us.manifest", `{"entries": [{"url": "s3://region-us/events/a.json", "mandatory": true}]}`)
	e.put(t, "region-us", "eu-data.manifest", `{"entries": [{"url": "s3://region-eu/events/a.json", "mandatory": true}]}`)
	e.put(t, "region-eu", "us-data.manifest", `{"entries": [{"url": "s3://region-us/events/a.json", "mandatory": true}]}`)
	c := connect(t, e.newDB(t, false))
	exec(t, c, stagingDDL)
	for _, tt := range []struct {
		name, from, region string
		ok                 bool
	}{
		{"prefix in the region", "'s3://region-us/events/'", "us-east-1", true},
		{"manifest and data in the region", "'s3://region-us/us.manifest' MANIFEST", "us-east-1", true},
		{"prefix elsewhere", "'s3://region-eu/events/'", "us-east-1", false},
		{"prefix in REGION", "'s3://region-eu/events/'", "eu-west-1", true},
		{"no REGION: the cluster's", "'s3://region-eu/events/'", "", false},
		{"manifest elsewhere", "'s3://region-eu/us-data.manifest' MANIFEST", "us-east-1", false},
		{"manifest in the region, data elsewhere", "'s3://region-us/eu-data.manifest' MANIFEST", "us-east-1", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := "COPY staging_events FROM " + tt.from + " IAM_ROLE '" + role + "' FORMAT AS JSON 'auto'"
			if tt.region != "" {
				q += " REGION '" + tt.region + "'"
			}
			_, err := c.Exec(ctx, q)
			if tt.ok {
				if err != nil {
					t.Errorf("%s: %v", q, err)
				}
				return
			}
			if pe := pgErr(t, err); pe.Code != "XX000" || !strings.Contains(pe.Message, "S3ServiceException:The bucket you are attempting to access must be addressed using the specified endpoint") || !strings.Contains(pe.Message, "Error PermanentRedirect") {
				t.Errorf("%s: %s %s, want S3's PermanentRedirect", q, pe.Code, pe.Message)
			}
		})
	}
}
