//go:build integration

package integration

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/cli"
)

const fixture = "testdata/fixture"

// runJob runs the job in-process with the current environment.
func runJob(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(ctx, args, &out, &errb, "test")
	return code, out.String(), errb.String()
}

func mustLoad(t *testing.T) string {
	t.Helper()
	code, out, errOut := runJob(t, context.Background(), "-phase", "load")
	if code != 0 {
		t.Fatalf("load exited %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	return out
}

// tableQueries select every column of each star table in a fixed order.
var tableQueries = map[string]string{
	"songplays": "SELECT songplay_id, start_time, user_id, level, song_id, artist_id, session_id, location, user_agent, item_in_session FROM songplays ORDER BY songplay_id",
	"users":     "SELECT user_id, first_name, last_name, gender, level, last_seen_at FROM users ORDER BY user_id",
	"songs":     "SELECT song_id, title, artist_id, year, duration FROM songs ORDER BY song_id",
	"artists":   "SELECT artist_id, name, location, latitude, longitude FROM artists ORDER BY artist_id",
	"time":      "SELECT start_time, hour, day, week, month, year, weekday FROM time ORDER BY start_time",
}

// dump returns every star table as lines of |-separated values.
func dump(t *testing.T, databaseURL string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	conn := dial(t, databaseURL)
	defer conn.Close(ctx)
	out := map[string][]string{}
	for table, q := range tableQueries {
		out[table] = formatRows(t, conn, q, dumpCell)
	}
	return out
}

// dumpCell is a value of dump: NULL, a timestamp to the millisecond, a
// float in full.
func dumpCell(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return v.Format("2006-01-02 15:04:05.000")
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

const (
	uaWin = "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:31.0) Gecko/20100101 Firefox/31.0"
	uaMac = `"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/36.0.1985.143 Safari/537.36"`
	dc    = "Washington-Arlington-Alexandria, DC-VA-MD-WV"
	sj    = "San Jose-Sunnyvale-Santa Clara, CA"
)

// want is the warehouse after loading the whole fixture, worked out by hand
// from the job's rules (see testdata/fixture/README.md for what each record
// is there to prove).
var want = map[string][]string{
	"songplays": {
		"1|2018-11-01 03:01:00.796|10|free|SOMZWCG12A8C13C480|ARD7TVE1187B99BFB1|100|" + dc + "|" + uaWin + "|1",
		"2|2018-11-01 03:04:39.796|10|free|NULL|NULL|100|" + dc + "|" + uaWin + "|2",
		"3|2018-11-01 13:00:00.123|26|free|SOFSOCN12A8C143F5D|ARXR32B1187FB57099|200|" + sj + "|" + uaWin + "|0",
		"4|2018-11-01 21:35:00.000|49|free|SOHBEAT12A6D4F7F31|ARJ7KF01187B98D717|400|Köln, NRW|" + uaWin + "|3",
		"5|2018-11-01 21:35:00.000|80|paid|SOHOPPI12AB0186C9B|ARH4Z031187B9A71F2|300|Portland-South Portland, ME|" + uaMac + "|5",
		"6|2018-11-02 01:01:00.000|10|paid|SOGDBUF12A8C140FAA|ARXR32B1187FB57099|101|" + dc + "|" + uaWin + "|1",
		"7|2018-11-02 01:04:30.000|10|paid|NULL|NULL|101|" + dc + "|" + uaWin + "|2",
		"8|2018-11-02 12:59:00.000|26|free|SOMZWCG12A8C13C480|ARD7TVE1187B99BFB1|201|" + sj + "|" + uaWin + "|3",
	},
	"users": {
		"7|Adelyn|Jordan|F|free|2018-11-02 14:46:40.000",
		"10|Sylvie|Cruz|F|paid|2018-11-02 01:04:30.000",
		"26|Ryan|Smith|M|free|2018-11-02 12:59:00.000",
		"49|Zoë|Ångström|F|free|2018-11-01 21:35:00.000",
		"80|Tegan|Levine|F|paid|2018-11-01 21:35:00.000",
	},
	"songs": {
		"SOBCOSW12A8C13D398|I Didn't Mean To|ARC43071187B990240|1998|218.93179",
		"SOFSOCN12A8C143F5D|Face the Ashes|ARXR32B1187FB57099|2007|209.60608",
		"SOGDBUF12A8C140FAA|Paris Is Burning|ARXR32B1187FB57099|2004|199.99302",
		"SOHBEAT12A6D4F7F31|Heartbeats|ARJ7KF01187B98D717|2003|161.43628",
		"SOHOPPI12AB0186C9B|Hoppípolla|ARH4Z031187B9A71F2|2005|268.38159",
		"SOMZWCG12A8C13C480|I Didn't Mean To|ARD7TVE1187B99BFB1|NULL|218.93179",
	},
	"artists": {
		"ARC43071187B990240|Casual Band|NULL|NULL|NULL",
		"ARD7TVE1187B99BFB1|Casual|California - LA|NULL|NULL",
		"ARH4Z031187B9A71F2|Sigur Rós|Reykjavík, Iceland|64.13548|-21.89541",
		"ARJ7KF01187B98D717|JosÃ© GonzÃ¡lez|GÃ¶teborg, Sweden|57.70887|11.97456",
		"ARXR32B1187FB57099|GOB|Vancouver, BC|49.26044|-123.11403",
	},
	"time": {
		"2018-11-01 03:01:00.796|3|1|44|11|2018|4",
		"2018-11-01 03:04:39.796|3|1|44|11|2018|4",
		"2018-11-01 13:00:00.123|13|1|44|11|2018|4",
		"2018-11-01 21:35:00.000|21|1|44|11|2018|4",
		"2018-11-02 01:01:00.000|1|2|44|11|2018|5",
		"2018-11-02 01:04:30.000|1|2|44|11|2018|5",
		"2018-11-02 12:59:00.000|12|2|44|11|2018|5",
	},
}

func assertTables(t *testing.T, got, want map[string][]string) {
	t.Helper()
	for table := range tableQueries {
		if !reflect.DeepEqual(got[table], want[table]) {
			t.Errorf("%s:\ngot\n  %s\nwant\n  %s", table, strings.Join(got[table], "\n  "), strings.Join(want[table], "\n  "))
		}
	}
}

// fixtureStack is a stack with the fixture uploaded in the public layout and
// one malformed record allowed (the fixture has exactly one), with the job
// pointed at target (see Stack.UseTarget).
func fixtureStack(t *testing.T, target string) *Stack {
	t.Helper()
	s := startStack(t)
	s.Upload(t, fixture, "")
	s.Env(t)
	s.UseTarget(t, target)
	t.Setenv("SPARKIFY_MAX_ERRORS", "1")
	return s
}

// forTargets runs a scenario on every target, as subtests.
func forTargets(t *testing.T, targets []string, scenario func(t *testing.T, target string)) {
	for _, target := range targets {
		t.Run(target, func(t *testing.T) { scenario(t, target) })
	}
}

// malformedRecord is how each target names the fixture's malformed record:
// the job's decoder, or the row Redshift recorded in its load errors.
func malformedRecord(s *Stack, target string) string {
	file := "s3://" + s.Bucket + "/log_data/2018/11/2018-11-02-events.json line 7"
	if target == "postgres" {
		return file + ": itemInSession: expected a whole number, got JSON string"
	}
	return file + ", column item_in_session: "
}

// TestLoadFixtureOnServerless loads the fixture on Redshift Serverless,
// whose load counts and errors come from the SYS views instead of the STL
// tables (TestConformance runs it on the other engines).
func TestLoadFixtureOnServerless(t *testing.T) { testLoadFixture(t, "redshift-serverless") }

func testLoadFixture(t *testing.T, target string) {
	s := fixtureStack(t, target)
	code, out, errOut := runJob(t, context.Background(), "-phase", "load")
	if code != 0 {
		t.Fatalf("load exited %d: %s", code, errOut)
	}
	assertTables(t, dump(t, s.DatabaseURL), want)

	for _, line := range []string{
		"  staging_songs         6 objects         6 records",
		"  staging_events        2 objects        14 records",
		"  malformed records skipped: 1",
		"  songplays          8         0         8",
		"  users              5         0         5",
		"  songs              6         0         6",
		"  artists            5         0         5",
		"  time               7         0         7",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("summary lacks %q:\n%s", line, out)
		}
	}
	wantWarn := malformedRecord(s, target)
	if !strings.Contains(errOut, wantWarn) {
		t.Errorf("log does not name the malformed record %q:\n%s", wantWarn, errOut)
	}
}

func testLoadTwiceIsIdempotent(t *testing.T, target string) {
	s := fixtureStack(t, target)
	mustLoad(t)
	out := mustLoad(t)
	assertTables(t, dump(t, s.DatabaseURL), want)
	for _, table := range []string{"songplays", "users", "songs", "artists", "time"} {
		if !strings.Contains(out, fmt.Sprintf("  %-10s %9d %9d", table, 0, 0)) {
			t.Errorf("second load changed %s:\n%s", table, out)
		}
	}
}

func testLoadDayByDayEqualsAllAtOnce(t *testing.T, target string) {
	s := fixtureStack(t, target)
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
	out := mustLoad(t)
	if !strings.Contains(out, "  songplays          5         0         5\n") {
		t.Errorf("day 1 alone should insert 5 plays:\n%s", out)
	}
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
	out = mustLoad(t)
	// Day 2 adds three plays and touches users 7 (new), 10 and 26.
	for _, line := range []string{
		"  songplays          3         0         8",
		"  users              1         2         5",
		"  time               3         0         7",
	} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("day 2 summary lacks %q:\n%s", line, out)
		}
	}
	assertTables(t, dump(t, s.DatabaseURL), want)
}

func testLoadTooManyMalformedRecordsCommitsNothing(t *testing.T, target string) {
	s := fixtureStack(t, target)
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
	mustLoad(t)
	before := dump(t, s.DatabaseURL)

	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
	t.Setenv("SPARKIFY_MAX_ERRORS", "0")
	code, _, errOut := runJob(t, context.Background(), "-phase", "load")
	if code != 1 {
		t.Fatalf("exit code %d, want 1\n%s", code, errOut)
	}
	wantMsgs := []string{"more than 0 malformed records (SPARKIFY_MAX_ERRORS=0)", malformedRecord(s, target)}
	if target != "postgres" {
		// Redshift fails the COPY itself; the job adds the rows it recorded.
		wantMsgs[0] = "Load into table 'staging_events' failed"
	}
	for _, wantMsg := range wantMsgs {
		if !strings.Contains(errOut, wantMsg) {
			t.Errorf("stderr lacks %q:\n%s", wantMsg, errOut)
		}
	}
	assertTables(t, dump(t, s.DatabaseURL), before)
}

// TestLoadInterruptedLeavesTablesAsTheyWere cancels a load (as SIGTERM does
// through main's context) while it reads day 2's object, which a proxy holds
// half-sent: the load is caught mid-staging, inside its transaction.
func TestLoadInterruptedLeavesTablesAsTheyWere(t *testing.T) {
	s, proxy, before := faultStack(t)
	proxy.Set(day2Key, faultStall)
	ctx, cancel := context.WithCancel(context.Background())
	wait := startLoad(t, ctx)
	<-proxy.Stalled()
	cancel()
	r := wait()
	proxy.Release()
	if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, "job: load: interrupted; nothing from this run was committed") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d saying it was interrupted", r.code, r.stderr, cli.ExitInterrupted)
	}
	assertTables(t, dump(t, s.DatabaseURL), before)
	assertLastLoadFailed(t, s, "interrupted")

	// The lock died with the transaction: the next load runs normally.
	proxy.Set(day2Key, faultNone)
	mustLoad(t)
	assertTables(t, dump(t, s.DatabaseURL), want)
}

// testConcurrentLoadsWaitForTheLock holds the load lock from another
// session, as a running load would: the advisory lock of postgres/begin.sql,
// or Redshift's LOCK on the job's table (redshift/begin.sql), taken after a
// first load has created it.
func testConcurrentLoadsWaitForTheLock(t *testing.T, target string) {
	s := fixtureStack(t, target)
	ctx := context.Background()
	hold, release := "SELECT pg_advisory_lock(5142022018)", "SELECT pg_advisory_unlock(5142022018)"
	// A first load creates the tables (and sparkify_loads, where the load
	// that gives up waiting leaves its trace).
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
	mustLoad(t)
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
	if target != "postgres" {
		hold, release = "BEGIN; LOCK TABLE sparkify_schema_version", "COMMIT"
	}
	other := s.Conn(t)
	if _, err := other.Exec(ctx, hold); err != nil {
		t.Fatal(err)
	}

	t.Setenv("SPARKIFY_LOCK_TIMEOUT", "1s")
	code, _, errOut := runJob(t, ctx, "-phase", "load")
	if code != 75 || !strings.Contains(errOut, "another load is still running: gave up waiting for its lock after 1s (SPARKIFY_LOCK_TIMEOUT)") {
		t.Fatalf("exit %d, stderr:\n%s\nwant the transient exit code (75) naming the lock timeout", code, errOut)
	}
	assertLastLoadFailed(t, s, "transient")

	// With time to wait, the load goes on once the other one finishes.
	t.Setenv("SPARKIFY_LOCK_TIMEOUT", "1m")
	done := make(chan int, 1)
	go func() {
		code, _, _ := runJob(t, ctx, "-phase", "load")
		done <- code
	}()
	waitForLockWaiter(t, other)
	if _, err := other.Exec(ctx, release); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("waiting load exited %d", code)
	}
	assertTables(t, dump(t, s.DatabaseURL), want)
}

// TestRedshiftLoadInterruptedLeavesTablesAsTheyWere cancels a load on the
// redshift target while its transforms wait for a table another session has
// locked: the job cancels the statement through the endpoint, the
// transaction rolls back, and the next load runs normally.
func TestRedshiftLoadInterruptedLeavesTablesAsTheyWere(t *testing.T) {
	s := fixtureStack(t, "redshift")
	before := loadDay1(t, s)

	ctx := context.Background()
	other := lockSongs(t, s)
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data"))
	jobCtx, cancel := context.WithCancel(ctx)
	wait := startLoad(t, jobCtx)
	waitForLockWaiter(t, other) // the load has staged and waits in its transforms
	cancel()
	r := wait()
	if _, err := other.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, "job: load: interrupted; nothing from this run was committed") {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d saying it was interrupted", r.code, r.stderr, cli.ExitInterrupted)
	}
	assertTables(t, dump(t, s.DatabaseURL), before)
	assertLastLoadFailed(t, s, "interrupted")
	mustLoad(t)
	assertTables(t, dump(t, s.DatabaseURL), want)
}

// assertLastLoadFailed checks that the newest row of sparkify_loads is a
// failed load of the given error class: the report's "the last load failed"
// warning reads it.
func assertLastLoadFailed(t *testing.T, s *Stack, class string) {
	t.Helper()
	var status, got string
	if err := s.Conn(t).QueryRow(context.Background(),
		"SELECT status, COALESCE(error_class, '') FROM sparkify_loads ORDER BY started_at DESC LIMIT 1").Scan(&status, &got); err != nil {
		t.Fatalf("read sparkify_loads: %v", err)
	}
	if status != "failed" || got != class {
		t.Errorf("the last load in sparkify_loads is %s (%q), want failed (%q)", status, got, class)
	}
}

// loadDay1 loads the fixture's first day and returns the tables.
func loadDay1(t *testing.T, s *Stack) map[string][]string {
	t.Helper()
	t.Setenv("SPARKIFY_LOG_DATA", s.URI("log_data/2018/11/2018-11-01"))
	mustLoad(t)
	return dump(t, s.DatabaseURL)
}

// jobResult is how a job run ended.
type jobResult struct {
	code   int
	stderr string
}

// startLoad runs a load in the background; wait returns how it ended, and
// fails the test if it has not ended within a minute.
func startLoad(t *testing.T, ctx context.Context) (wait func() jobResult) {
	t.Helper()
	done := make(chan jobResult, 1)
	go func() {
		code, _, errOut := runJob(t, ctx, "-phase", "load")
		done <- jobResult{code, errOut}
	}()
	return func() jobResult {
		t.Helper()
		select {
		case r := <-done:
			return r
		case <-time.After(time.Minute):
			t.Fatal("the load did not stop within a minute of being cancelled")
			return jobResult{}
		}
	}
}

// waitForLockWaiter returns once a session waits for a lock (advisory or on
// a table).
func waitForLockWaiter(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := conn.QueryRow(context.Background(), "SELECT COUNT(*) FROM pg_locks WHERE locktype IN ('advisory', 'relation') AND NOT granted").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no load waited for the lock within 30s")
}

func TestLoadEmptyPrefixIsAUsageError(t *testing.T) {
	s := fixtureStack(t, "postgres")
	t.Setenv("SPARKIFY_SONG_DATA", s.URI("songdata"))
	code, _, errOut := runJob(t, context.Background(), "-phase", "load")
	wantMsg := "SPARKIFY_SONG_DATA: no .json objects under s3://" + s.Bucket + "/songdata; check the bucket and prefix"
	if code != 2 || !strings.Contains(errOut, wantMsg) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, errOut, wantMsg)
	}
}
