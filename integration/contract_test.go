//go:build integration

package integration

// The contract suite: every assumption the Redshift emulator makes that only
// AWS can settle, one test each (TestContract...). make test runs it against
// the emulator, with the rest of the integration suite; make
// redshift-contract runs the same tests against a real cluster or
// Serverless workgroup and writes contract-report.json and
// contract-report.md, which say for each assumption whether it held.
//
// Against a cluster (all required):
//
//	SPARKIFY_CONTRACT_DSN         postgres://user:password@endpoint:5439/db?sslmode=verify-full
//	SPARKIFY_CONTRACT_SERVERLESS  true for a Serverless workgroup, false for a provisioned cluster
//	SPARKIFY_CONTRACT_IAM_ROLE_ARN  a role the cluster can assume, allowed to read the scratch prefix
//	SPARKIFY_CONTRACT_S3_URI      s3://bucket/prefix, a scratch prefix the caller's AWS credentials can write
//	SPARKIFY_CONTRACT_REGION      the bucket's region
//
// and SPARKIFY_CONTRACT_REPORT_DIR, the report's folder. The tests create
// temporary tables only, and remove the objects they put under the prefix.

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgproto3"
)

// assumption is one thing the emulator takes for granted about Redshift.
type assumption struct {
	ID        string
	Statement string // the behaviour, as the emulator implements it
	Page      string // the AWS page that documents it, or leaves it open
	// Guess marks the emulator's reading of an ambiguous page: on the
	// emulator, the report says "assumed: confirm on a cluster".
	Guess bool
	// Known, when set, is how the emulator knowingly differs: on the
	// emulator the test checks the emulator's behaviour instead, and the
	// report says so.
	Known string
	// Serverless: nil for both kinds; true or false for one kind only.
	Serverless *bool
}

// contractEnv is the warehouse a contract test runs against.
type contractEnv struct {
	real       bool
	serverless bool
	dsn        string
	role       string
	region     string
	bucket     string
	prefix     string
	s3         *s3.Client
}

// contractResult is one line of the report.
type contractResult struct {
	ID        string `json:"id"`
	Test      string `json:"test"`
	Statement string `json:"assumption"`
	Page      string `json:"page"`
	Target    string `json:"target"`
	Status    string `json:"status"`
}

var contractReport struct {
	sync.Mutex
	results []contractResult
}

var (
	realOnce sync.Once
	realEnv  *contractEnv
	realErr  error
)

// realContractEnv reads the SPARKIFY_CONTRACT_ variables; nil without a DSN.
func realContractEnv() (*contractEnv, error) {
	realOnce.Do(func() {
		dsn := os.Getenv("SPARKIFY_CONTRACT_DSN")
		if dsn == "" {
			return
		}
		e := &contractEnv{real: true, dsn: dsn, role: os.Getenv("SPARKIFY_CONTRACT_IAM_ROLE_ARN"), region: os.Getenv("SPARKIFY_CONTRACT_REGION")}
		var missing []string
		for k, v := range map[string]string{"SPARKIFY_CONTRACT_IAM_ROLE_ARN": e.role, "SPARKIFY_CONTRACT_REGION": e.region,
			"SPARKIFY_CONTRACT_S3_URI": os.Getenv("SPARKIFY_CONTRACT_S3_URI"), "SPARKIFY_CONTRACT_SERVERLESS": os.Getenv("SPARKIFY_CONTRACT_SERVERLESS")} {
			if v == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			realErr = fmt.Errorf("SPARKIFY_CONTRACT_DSN is set, so the contract suite runs against a cluster, and it also needs %s", strings.Join(missing, ", "))
			return
		}
		e.serverless = os.Getenv("SPARKIFY_CONTRACT_SERVERLESS") == "true"
		u, err := url.Parse(os.Getenv("SPARKIFY_CONTRACT_S3_URI"))
		if err != nil || u.Scheme != "s3" || u.Host == "" {
			realErr = fmt.Errorf("SPARKIFY_CONTRACT_S3_URI=%q: want s3://bucket/prefix", os.Getenv("SPARKIFY_CONTRACT_S3_URI"))
			return
		}
		e.bucket, e.prefix = u.Host, strings.Trim(u.Path, "/")
		cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion(e.region))
		if err != nil {
			realErr = fmt.Errorf("AWS credentials for the scratch bucket: %w", err)
			return
		}
		// SPARKIFY_S3_PATH_STYLE, as for the job: an S3-compatible store.
		pathStyle := os.Getenv("SPARKIFY_S3_PATH_STYLE") == "true"
		e.s3 = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })
		realEnv = e
	})
	return realEnv, realErr
}

// contract runs body as the test of assumption a, against the cluster of
// the SPARKIFY_CONTRACT_ variables or else the emulator, and records the
// outcome in the report.
func contract(t *testing.T, a assumption, body func(t *testing.T, e *contractEnv)) {
	t.Helper()
	e, err := realContractEnv()
	if err != nil {
		t.Fatal(err)
	}
	target := "emulator"
	if e == nil {
		serverless := a.Serverless != nil && *a.Serverless
		s := startStack(t)
		srv := shared.redshift
		if serverless {
			srv = shared.serverless
			target = "emulator (serverless)"
		}
		u, err := url.Parse(s.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		u.Host = srv.Addr()
		u.RawQuery = url.Values{"sslmode": {"verify-full"}, "sslrootcert": {shared.rsCAFile}}.Encode()
		e = &contractEnv{serverless: serverless, dsn: u.String(), role: "arn:aws:iam::123456789012:role/sparkify-contract",
			region: s3Region, bucket: s.Bucket, prefix: "contract", s3: s.S3Client()}
	} else {
		target = "provisioned cluster"
		if e.serverless {
			target = "Serverless workgroup"
		}
		if a.Serverless != nil && *a.Serverless != e.serverless {
			record(a, t.Name(), target, "not applicable")
			t.Skipf("%s: the assumption is about the other kind of warehouse", a.ID)
		}
		// Each test gets a prefix of its own under the scratch prefix.
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		c := *e
		c.prefix = strings.TrimPrefix(c.prefix+"/sparkify-contract-"+hex.EncodeToString(b), "/")
		e = &c
	}
	t.Cleanup(func() {
		status := "held"
		switch {
		case t.Failed():
			status = "failed"
		case t.Skipped():
			return
		case !e.real && a.Known != "":
			status = "emulator differs (known): " + a.Known
		case !e.real && a.Guess:
			status = "assumed: confirm on a cluster"
		case !e.real:
			status = "held by the emulator (documented)"
		}
		record(a, t.Name(), target, status)
	})
	body(t, e)
}

func record(a assumption, test, target, status string) {
	contractReport.Lock()
	defer contractReport.Unlock()
	contractReport.results = append(contractReport.results, contractResult{ID: a.ID, Test: test, Statement: a.Statement, Page: a.Page, Target: target, Status: status})
	dir := os.Getenv("SPARKIFY_CONTRACT_REPORT_DIR")
	if dir == "" {
		return
	}
	res := append([]contractResult{}, contractReport.results...)
	sort.Slice(res, func(i, j int) bool { return res[i].ID < res[j].ID })
	js, _ := json.MarshalIndent(res, "", "  ")
	var md strings.Builder
	md.WriteString("# Redshift contract report\n\n")
	fmt.Fprintf(&md, "Generated %s. Each line is an assumption the Redshift emulator makes; its status says whether the warehouse behaved so. "+
		"What a failed test saw is in its output (go test -v), under the test's name.\n\n", time.Now().UTC().Format(time.RFC3339))
	md.WriteString("| assumption | test | target | status | page |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range res {
		fmt.Fprintf(&md, "| **%s**: %s | %s | %s | %s | %s |\n", r.ID, strings.ReplaceAll(r.Statement, "|", `\|`), r.Test, r.Target, r.Status, r.Page)
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "contract-report.json"), append(js, '\n'), 0o644)
		_ = os.WriteFile(filepath.Join(dir, "contract-report.md"), []byte(md.String()), 0o644)
	}
}

func (e *contractEnv) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	// As the job connects: the extended protocol without a statement
	// cache, and a cancel request when a context ends.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 10 * time.Second}
	}
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// put stores an object under the test's prefix and returns its s3:// URI;
// the object is removed when the test ends.
func (e *contractEnv) put(t *testing.T, name, body string) string {
	t.Helper()
	key := strings.TrimPrefix(e.prefix+"/"+strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"/"+name, "/")
	ctx := context.Background()
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("put s3://%s/%s: %v", e.bucket, key, err)
	}
	t.Cleanup(func() {
		if _, err := e.s3.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(e.bucket), Key: aws.String(key)}); err != nil {
			t.Errorf("remove s3://%s/%s: %v", e.bucket, key, err)
		}
	})
	return "s3://" + e.bucket + "/" + key
}

// copySQL is a COPY of uri into table with the env's role and region.
func (e *contractEnv) copySQL(table, uri, options string) string {
	return fmt.Sprintf("COPY %s FROM '%s' IAM_ROLE '%s' REGION '%s' %s", table, uri, e.role, e.region, options)
}

func mustExec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func scalar[T any](t *testing.T, c *pgx.Conn, sql string) T {
	t.Helper()
	var v T
	if err := c.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

const docCopyLoad = "https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-load.html"

// TestContractMaxErrorBoundary: a COPY whose bad records number exactly
// MAXERROR fails; with MAXERROR one more, it loads the good ones. The job
// sends SPARKIFY_MAX_ERRORS + 1 on that reading.
func TestContractMaxErrorBoundary(t *testing.T) {
	contract(t, assumption{ID: "maxerror-boundary", Guess: true, Page: docCopyLoad,
		Statement: "MAXERROR n fails the COPY when n records are rejected (\"returns the error_count number of errors or greater\"); n+1 lets n be skipped"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			mustExec(t, c, "CREATE TEMP TABLE contract_maxerror (a INTEGER)")
			uri := e.put(t, "rows.json", `{"a": 1}`+"\n"+`{"a": "x"}`+"\n"+`{"a": "y"}`+"\n"+`{"a": 4}`+"\n")
			_, err := c.Exec(context.Background(), e.copySQL("contract_maxerror", uri, "FORMAT AS JSON 'auto' MAXERROR 2"))
			if err == nil {
				t.Errorf("MAXERROR 2 with 2 bad records: the COPY succeeded, want it to fail")
			}
			mustExec(t, c, e.copySQL("contract_maxerror", uri, "FORMAT AS JSON 'auto' MAXERROR 3"))
			if n := scalar[int64](t, c, "SELECT pg_last_copy_count()"); n != 2 {
				t.Errorf("MAXERROR 3: pg_last_copy_count() = %d, want the 2 good rows", n)
			}
		})
}

// TestContractLastCopyIDAfterRollback: after a COPY that failed on its
// data inside a transaction, and the rollback, pg_last_copy_id() is not
// that COPY's id: it still names the session's previous COPY. The page
// says both "If the COPY fails because of invalid load data, the COPY ID
// is updated" and "If the COPY transaction is rolled back, the COPY ID is
// not updated"; the emulator takes the second, and the job does not read
// pg_last_copy_id() after a rollback (TestContractLoadErrorsBySession).
func TestContractLastCopyIDAfterRollback(t *testing.T) {
	contract(t, assumption{ID: "last-copy-id-after-rollback", Guess: true, Page: "https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_ID.html",
		Statement: "pg_last_copy_id() after a rolled-back COPY that failed on bad data is not updated: it is the id of the session's previous COPY"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			mustExec(t, c, "CREATE TEMP TABLE contract_lastid (a INTEGER)")
			good := e.put(t, "good.json", `{"a": 1}`+"\n")
			bad := e.put(t, "bad.json", `{"a": "x"}`+"\n")
			mustExec(t, c, e.copySQL("contract_lastid", good, "FORMAT AS JSON 'auto'"))
			before := scalar[int64](t, c, "SELECT pg_last_copy_id()")
			mustExec(t, c, "BEGIN")
			if _, err := c.Exec(context.Background(), e.copySQL("contract_lastid", bad, "FORMAT AS JSON 'auto'")); err == nil {
				t.Fatal("the COPY of a bad record succeeded")
			}
			mustExec(t, c, "ROLLBACK")
			if after := scalar[int64](t, c, "SELECT pg_last_copy_id()"); after != before {
				t.Errorf("pg_last_copy_id() after the rolled-back COPY = %d, want the previous COPY's %d (not updated)", after, before)
			}
		})
}

// TestContractLoadErrorsBySession: the rows of a COPY that failed on its
// data inside a transaction are there after the rollback under the
// session (STL_LOAD_ERRORS.session, SYS_LOAD_ERROR_DETAIL.session_id) that
// pg_backend_pid() names and a start time (starttime, start_time) no
// earlier than GETDATE() read in the transaction before the COPY: how the
// job finds them (sql/redshift/load_errors.sql).
func TestContractLoadErrorsBySession(t *testing.T) {
	contract(t, assumption{ID: "load-errors-by-session", Guess: true, Page: "https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html",
		Statement: "a rolled-back COPY's load errors have session = pg_backend_pid() and a start time >= GETDATE() read before the COPY (SYS_LOAD_ERROR_DETAIL: session_id, start_time)"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			mustExec(t, c, "CREATE TEMP TABLE contract_session (a INTEGER)")
			bad := e.put(t, "bad.json", `{"a": 1}`+"\n"+`{"a": "x"}`+"\n")
			mustExec(t, c, "BEGIN")
			var pid int64
			var start string
			if err := c.QueryRow(context.Background(), "SELECT pg_backend_pid(), CAST(GETDATE() AS VARCHAR(32))").Scan(&pid, &start); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Exec(context.Background(), e.copySQL("contract_session", bad, "FORMAT AS JSON 'auto'")); err == nil {
				t.Fatal("the COPY of a bad record succeeded")
			}
			mustExec(t, c, "ROLLBACK")
			q := "SELECT COUNT(*) FROM stl_load_errors WHERE session = CAST($1 AS INTEGER) AND starttime >= CAST($2 AS TIMESTAMP) AND TRIM(filename) = $3"
			if e.serverless {
				q = "SELECT COUNT(*) FROM sys_load_error_detail WHERE session_id = CAST($1 AS INTEGER) AND start_time >= CAST($2 AS TIMESTAMP) AND TRIM(file_name) = $3"
			}
			var n int64
			if err := c.QueryRow(context.Background(), q, pid, start, bad).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n != 1 {
				t.Errorf("%s = %d, want the 1 rejected record", q, n)
			}
		})
}

// TestContractSysIDsAreCopyIDs: on Serverless, SYS_LOAD_HISTORY and
// SYS_LOAD_ERROR_DETAIL hold a COPY under query_id = pg_last_copy_id(),
// and already when the COPY returns.
func TestContractSysIDsAreCopyIDs(t *testing.T) {
	contract(t, assumption{ID: "sys-ids", Guess: true, Serverless: ptr(true), Page: "https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_HISTORY.html",
		Statement: "sys_load_history.query_id and sys_load_error_detail.query_id equal pg_last_copy_id(), and their rows are there as soon as the COPY returns"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			mustExec(t, c, "CREATE TEMP TABLE contract_sys (a INTEGER)")
			uri := e.put(t, "rows.json", `{"a": 1}`+"\n"+`{"a": "x"}`+"\n"+`{"a": 3}`+"\n")
			mustExec(t, c, e.copySQL("contract_sys", uri, "FORMAT AS JSON 'auto' MAXERROR 2"))
			if n := scalar[int64](t, c, "SELECT COUNT(*) FROM sys_load_history WHERE query_id = pg_last_copy_id()"); n != 1 {
				t.Errorf("sys_load_history rows for pg_last_copy_id() = %d, want 1", n)
			}
			if n := scalar[int64](t, c, "SELECT COALESCE(MAX(file_count_scanned), 0) FROM sys_load_history WHERE query_id = pg_last_copy_id()"); n != 1 {
				t.Errorf("file_count_scanned = %d, want 1", n)
			}
			if n := scalar[int64](t, c, "SELECT COUNT(*) FROM sys_load_error_detail WHERE query_id = pg_last_copy_id()"); n != 1 {
				t.Errorf("sys_load_error_detail rows for pg_last_copy_id() = %d, want the 1 rejected record", n)
			}
		})
}

// TestContractSTLOnServerless: on Serverless a query of stl_load_errors
// fails with 42P01 (relation does not exist) or 42501 (permission denied),
// the two codes the job's probe takes for "Serverless".
func TestContractSTLOnServerless(t *testing.T) {
	contract(t, assumption{ID: "stl-on-serverless", Guess: true, Serverless: ptr(true), Page: "https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-monitoring.html",
		Statement: "SELECT ... FROM stl_load_errors fails on Serverless with SQLSTATE 42P01 or 42501"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			_, err := c.Exec(context.Background(), "SELECT COUNT(*) FROM stl_load_errors WHERE 1 = 0")
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || (pe.Code != "42P01" && pe.Code != "42501") {
				t.Errorf("stl_load_errors on Serverless: %v, want SQLSTATE 42P01 or 42501", err)
			}
		})
}

// TestContractAutoIsCaseSensitive: FORMAT AS JSON 'auto' matches keys to
// the (lower-case) column names case-sensitively; 'auto ignorecase' does
// not.
func TestContractAutoIsCaseSensitive(t *testing.T) {
	contract(t, assumption{ID: "json-auto-case", Page: "https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html",
		Statement: "JSON 'auto' leaves a column NULL when the key differs in case (\"Name\" for name); 'auto ignorecase' fills it"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			mustExec(t, c, "CREATE TEMP TABLE contract_case (name VARCHAR(16), title VARCHAR(16))")
			uri := e.put(t, "rows.json", `{"Name": "n", "title": "t"}`+"\n")
			mustExec(t, c, e.copySQL("contract_case", uri, "FORMAT AS JSON 'auto'"))
			if got := scalar[string](t, c, "SELECT COALESCE(MAX(name), 'NULL') || '/' || MAX(title) FROM contract_case"); got != "NULL/t" {
				t.Errorf("'auto': name/title = %q, want NULL/t", got)
			}
			mustExec(t, c, "DELETE FROM contract_case")
			mustExec(t, c, e.copySQL("contract_case", uri, "FORMAT AS JSON 'auto ignorecase'"))
			if got := scalar[string](t, c, "SELECT COALESCE(MAX(name), 'NULL') || '/' || MAX(title) FROM contract_case"); got != "n/t" {
				t.Errorf("'auto ignorecase': name/title = %q, want n/t", got)
			}
		})
}

// TestContractVarcharLengthIsBytes: VARCHAR(n) holds n bytes: COPY rejects
// three two-byte characters in a VARCHAR(4) and loads two.
func TestContractVarcharLengthIsBytes(t *testing.T) {
	contract(t, assumption{ID: "varchar-bytes", Page: "https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html",
		Statement: "COPY measures VARCHAR(n) in bytes: 'ééé' (6 bytes) is rejected from a VARCHAR(4), 'éé' (4 bytes) loads"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			mustExec(t, c, "CREATE TEMP TABLE contract_bytes (v VARCHAR(4))")
			uri := e.put(t, "rows.json", `{"v": "éé"}`+"\n"+`{"v": "ééé"}`+"\n")
			mustExec(t, c, e.copySQL("contract_bytes", uri, "FORMAT AS JSON 'auto' MAXERROR 2"))
			if got := scalar[string](t, c, "SELECT CAST(COUNT(*) AS VARCHAR(4)) || '/' || MAX(v) FROM contract_bytes"); got != "1/éé" {
				t.Errorf("rows/value = %q, want 1/éé", got)
			}
		})
}

// TestContractExtractWeekAndWeekday: EXTRACT(week) is the ISO 8601 week
// (2018-12-31 is in week 1, 2021-01-03 in week 53) and EXTRACT(dow) counts
// from Sunday = 0 to Saturday = 6: the time table's week and weekday.
func TestContractExtractWeekAndWeekday(t *testing.T) {
	contract(t, assumption{ID: "extract-week-dow", Guess: true, Page: "https://docs.aws.amazon.com/redshift/latest/dg/r_Dateparts_for_datetime_functions.html",
		Statement: "EXTRACT(week) is the ISO 8601 week; EXTRACT(dow) is 0 (Sunday) to 6 (Saturday)"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			got := scalar[string](t, c, `SELECT CAST(EXTRACT(week FROM CAST('2018-12-31 10:00:00' AS TIMESTAMP)) AS VARCHAR(4)) || ','
				|| CAST(EXTRACT(week FROM CAST('2021-01-03 10:00:00' AS TIMESTAMP)) AS VARCHAR(4)) || ','
				|| CAST(EXTRACT(dow FROM CAST('2018-11-04 10:00:00' AS TIMESTAMP)) AS VARCHAR(4)) || ','
				|| CAST(EXTRACT(dow FROM CAST('2018-11-10 10:00:00' AS TIMESTAMP)) AS VARCHAR(4))`)
			if got != "1,53,0,6" {
				t.Errorf("week(2018-12-31), week(2021-01-03), dow(Sunday), dow(Saturday) = %s, want 1,53,0,6", got)
			}
		})
}

// TestContractTrailingBlanks: Redshift ignores trailing blanks when it
// compares VARCHARs ('a ' = 'a'). The emulator cannot (Postgres compares
// them), which is why the job trims keys; on the emulator the test checks
// that difference.
func TestContractTrailingBlanks(t *testing.T) {
	contract(t, assumption{ID: "trailing-blanks", Page: "https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html",
		Known:     "Postgres compares trailing blanks; the transforms RTRIM keys so that both give one key",
		Statement: "CAST('a ' AS VARCHAR(4)) = CAST('a' AS VARCHAR(4)) is true: trailing blanks are insignificant in comparisons"},
		func(t *testing.T, e *contractEnv) {
			c := e.connect(t)
			got := scalar[int32](t, c, "SELECT CASE WHEN CAST('a ' AS VARCHAR(4)) = CAST('a' AS VARCHAR(4)) THEN 1 ELSE 0 END")
			want := int32(1)
			if !e.real {
				want = 0
			}
			if got != want {
				t.Errorf("'a ' = 'a' gave %d, want %d", got, want)
			}
		})
}

// TestContractLockWaitsAndCancels: LOCK waits while another session holds
// the table's lock, and a cancel request ends the wait with 57014, leaving
// the session usable after ROLLBACK (the job's SPARKIFY_LOCK_TIMEOUT).
func TestContractLockWaitsAndCancels(t *testing.T) {
	contract(t, assumption{ID: "lock-wait", Guess: true, Page: "https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html",
		Statement: "LOCK waits for a lock another session holds; a cancel request ends the wait with SQLSTATE 57014"},
		func(t *testing.T, e *contractEnv) {
			holder, waiter := e.connect(t), e.connect(t)
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			table := "contract_lock_" + hex.EncodeToString(b)
			mustExec(t, holder, "CREATE TABLE "+table+" (a INTEGER)")
			t.Cleanup(func() { _, _ = holder.Exec(context.Background(), "DROP TABLE IF EXISTS "+table) })
			mustExec(t, holder, "BEGIN")
			mustExec(t, holder, "LOCK "+table)
			mustExec(t, waiter, "BEGIN")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			_, err := waiter.Exec(ctx, "LOCK "+table)
			waited := time.Since(start)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "57014" {
				t.Errorf("LOCK while another session holds it: %v after %v, want a wait ended by the cancel with SQLSTATE 57014", err, waited)
			}
			if waited < 2*time.Second {
				t.Errorf("LOCK returned after %v, before the 2s cancel", waited)
			}
			mustExec(t, waiter, "ROLLBACK")
			mustExec(t, holder, "ROLLBACK")
			if n := scalar[int32](t, waiter, "SELECT 1"); n != 1 {
				t.Errorf("SELECT 1 after the cancel = %d", n)
			}
		})
}

// TestContractWireParameters: the ParameterStatus values a session
// receives: server_version 8.0.2, client_encoding UNICODE, DateStyle ISO,
// MDY, TimeZone UTC, integer_datetimes on, and no
// standard_conforming_strings.
func TestContractWireParameters(t *testing.T) {
	contract(t, assumption{ID: "wire-parameters", Guess: true, Page: "https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-ssl-support.html",
		Statement: "server_version 8.0.2, client_encoding UNICODE, DateStyle 'ISO, MDY', TimeZone UTC, integer_datetimes on, no standard_conforming_strings"},
		func(t *testing.T, e *contractEnv) {
			pc := e.connect(t).PgConn()
			for k, want := range map[string]string{"server_version": "8.0.2", "client_encoding": "UNICODE", "DateStyle": "ISO, MDY",
				"TimeZone": "UTC", "integer_datetimes": "on", "standard_conforming_strings": ""} {
				if got := pc.ParameterStatus(k); got != want {
					t.Errorf("ParameterStatus %s = %q, want %q", k, got, want)
				}
			}
		})
}

// TestContractAuthMethod: the server asks for the password in clear text,
// inside TLS (AuthenticationCleartextPassword). The test reads the
// server's first authentication request and sends no password.
func TestContractAuthMethod(t *testing.T) {
	contract(t, assumption{ID: "auth-method", Guess: true, Page: "https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-to-cluster.html",
		Statement: "password authentication asks for the password in clear text (AuthenticationCleartextPassword) inside TLS"},
		func(t *testing.T, e *contractEnv) {
			cfg, err := pgconn.ParseConfig(e.dsn)
			if err != nil {
				t.Fatal(err)
			}
			got, err := firstAuthRequest(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got != "AuthenticationCleartextPassword" {
				t.Errorf("the server's authentication request is %s, want AuthenticationCleartextPassword", got)
			}
		})
}

// firstAuthRequest opens a TLS session to the server of cfg, sends a
// startup message and returns the type of the first authentication
// request. No credential is sent on this connection.
func firstAuthRequest(cfg *pgconn.Config) (string, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)), 10*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	fe := pgproto3.NewFrontend(conn, conn)
	fe.Send(&pgproto3.SSLRequest{})
	if err := fe.Flush(); err != nil {
		return "", err
	}
	b := make([]byte, 1)
	if _, err := conn.Read(b); err != nil {
		return "", err
	}
	var c net.Conn = conn
	if b[0] == 'S' {
		// Only the server's first message is read, and no password is
		// sent, so the certificate is not checked here.
		tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			return "", err
		}
		c = tc
	}
	fe = pgproto3.NewFrontend(c, c)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": cfg.User, "database": cfg.Database}})
	if err := fe.Flush(); err != nil {
		return "", err
	}
	msg, err := fe.Receive()
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("%T", msg)
	return name[strings.LastIndex(name, ".")+1:], nil
}
