//go:build integration

package integration

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
	"github.com/sparkify/warehouse/sql"
)

// runs numbers the loads of runPlan, for their load ids.
var runs int

// overlayFS is the project's SQL with some files replaced.
type overlayFS struct {
	fs.FS
	files fstest.MapFS
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if _, ok := o.files[name]; ok {
		return o.files.Open(name)
	}
	return o.FS.Open(name)
}

// connect opens a session on the stack's Postgres, as each job run does
// (the transforms' temporary tables live until the session ends).
func connect(t *testing.T, s *Stack) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := warehouse.Connect(ctx, warehouse.Postgres, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

// runPlan loads the fixture's song files and the log files under logs
// (relative to the fixture's log_data) with the SQL of fsys, on Postgres.
func runPlan(t *testing.T, conn *pgx.Conn, fsys fs.FS, logs string, ledger *warehouse.Ledger) (*warehouse.Summary, error) {
	t.Helper()
	runs++
	abs, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := warehouse.BuildPlan(fsys, warehouse.Options{
		Target:   warehouse.Postgres,
		SongData: source.Location{Scheme: "file", Path: filepath.Join(abs, "song_data")},
		LogData:  source.Location{Scheme: "file", Path: filepath.Join(abs, "log_data", logs)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range plan.Stages() {
		if st.Store, err = source.Open(st.Location, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	return warehouse.Run(context.Background(), warehouse.NewSession(conn), plan, warehouse.RunOptions{
		LockTimeout: time.Minute,
		Ledger:      ledger,
		Load:        &warehouse.LoadRecord{ID: fmt.Sprintf("%s-%d", t.Name(), runs), Started: time.Now()},
		Stage:       warehouse.CopyStager(4, source.NewErrors(1), slog.New(slog.DiscardHandler)), // the fixture's one malformed record
	})
}

// timeKeep is the clause of the time transform that keeps out the times
// already in the table; brokenTime replaces it to break the transform.
const timeKeep = "WHERE NOT EXISTS (SELECT 1 FROM time x WHERE x.start_time = t.start_time)"

// brokenTime is the project's SQL with timeKeep replaced by clause in the
// time transform.
func brokenTime(t *testing.T, clause string) fs.FS {
	t.Helper()
	timeSQL, err := fs.ReadFile(sql.FS(), "shared/transform/06_time.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(timeSQL), timeKeep) {
		t.Fatalf("06_time.sql no longer holds %q; update this test", timeKeep)
	}
	broken := strings.Replace(string(timeSQL), timeKeep, clause, 1)
	return overlayFS{FS: sql.FS(), files: fstest.MapFS{"shared/transform/06_time.sql": {Data: []byte(broken)}}}
}

// TestChecksSeeTheLoadsOwnRows: the checks look only at what a load wrote
// (the songplay ids after load_bounds, the load_* tables), so they must
// still catch a transform that goes wrong on the rows of a later load. Day 1
// loads with the real SQL; days 1-2 then load with a time transform that
// leaves out the last play's time, and the check on song plays without
// their time row fails the load, naming the file, with nothing committed.
func TestChecksSeeTheLoadsOwnRows(t *testing.T) {
	s := startStack(t)
	if _, err := runPlan(t, connect(t, s), sql.FS(), "2018/11/2018-11-01", nil); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s.DatabaseURL)

	fsys := brokenTime(t, timeKeep+"\n  AND start_time < (SELECT MAX(start_time) FROM load_songplays)")
	_, err := runPlan(t, connect(t, s), fsys, "2018/11", nil)
	var ce *warehouse.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("load with the broken time transform: %v, want a failed check", err)
	}
	if ce.File != "shared/checks/03_songplays_without_time.sql" || ce.Count != 1 {
		t.Errorf("failed check = %s (%d rows), want shared/checks/03_songplays_without_time.sql (1 row)", ce.File, ce.Count)
	}
	assertTables(t, dump(t, s.DatabaseURL), before)
}

// TestConstraintsStandForChecksOnPostgres: the Postgres plan leaves out the
// checks whose "postgres enforces:" line names constraints of its schema.
// Each name must be a constraint (or NOT NULL column) of the migrated
// schema, and a transform that breaks one must fail the load at its own
// statement, naming the constraint, with nothing committed: day 1 loads with
// the real SQL, then days 1-2 load with a time transform that inserts every
// start_time again.
func TestConstraintsStandForChecksOnPostgres(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	conn := connect(t, s)
	if _, err := runPlan(t, conn, sql.FS(), "2018/11/2018-11-01", nil); err != nil {
		t.Fatal(err)
	}
	checks, err := sql.ReadDir(sql.FS(), "shared/checks")
	if err != nil {
		t.Fatal(err)
	}
	enforced := 0
	for _, c := range checks {
		for _, name := range c.Enforced {
			enforced++
			var ok bool
			if col, isNotNull := strings.CutSuffix(name, " NOT NULL"); isNotNull {
				table, column, _ := strings.Cut(col, ".")
				err = conn.QueryRow(ctx, `SELECT COALESCE((SELECT attnotnull FROM pg_attribute
					WHERE attrelid = to_regclass($1) AND attname = $2), false)`, table, column).Scan(&ok)
			} else {
				err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_constraint
					WHERE conname = $1 AND contype IN ('p', 'u'))`, name).Scan(&ok)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				t.Errorf("%s: the Postgres schema has no %s", c.File, name)
			}
		}
	}
	if enforced == 0 {
		t.Fatal("no check names a Postgres constraint")
	}
	before := dump(t, s.DatabaseURL)

	_, err = runPlan(t, connect(t, s), brokenTime(t, ""), "2018/11", nil)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName != "time_pkey" {
		t.Fatalf("load with the time transform that writes duplicates: %v, want a violation of time_pkey", err)
	}
	if !strings.Contains(err.Error(), "sql/shared/transform/06_time.sql") {
		t.Errorf("error %q does not name sql/shared/transform/06_time.sql", err)
	}
	assertTables(t, dump(t, s.DatabaseURL), before)
}

// TestNothingStagedSkipsTheTransforms: a load whose sources hold nothing
// new stages no record, runs no transform, no check and no count (its rows
// are those the load before it recorded in sparkify_loads), and commits its
// load row only.
func TestNothingStagedSkipsTheTransforms(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	plan, err := warehouse.BuildPlan(sql.FS(), warehouse.Options{Target: warehouse.Postgres})
	if err != nil {
		t.Fatal(err)
	}
	var sums []*warehouse.Summary
	var conn *pgx.Conn
	for range 2 {
		conn = connect(t, s)
		ledger, err := warehouse.ReadLedger(ctx, warehouse.NewSession(conn), plan, false)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := runPlan(t, conn, sql.FS(), "2018/11", ledger)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	transforms := func(sum *warehouse.Summary) (n int) {
		for _, st := range sum.Executed {
			if strings.HasPrefix(st.File, "shared/transform/") || strings.HasPrefix(st.File, "shared/checks/") ||
				st.File == "shared/bookkeeping/row_counts.sql" {
				n++
			}
		}
		return n
	}
	if n := transforms(sums[0]); n == 0 {
		t.Fatalf("the first load ran no transform")
	}
	if n := transforms(sums[1]); n != 0 {
		t.Errorf("the second load, with nothing new, ran %d transforms, checks and counts, want 0", n)
	}
	rows, err := conn.Query(ctx, `SELECT songplays_rows, users_rows, songs_rows, artists_rows, time_rows
		FROM sparkify_loads WHERE status = 'committed' ORDER BY finished_at, load_id`)
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([5]int64, error) {
		var v [5]int64
		return v, r.Scan(&v[0], &v[1], &v[2], &v[3], &v[4])
	})
	if err != nil || len(recorded) != 2 {
		t.Fatalf("committed loads' row counts: %v, %v; want 2 loads", recorded, err)
	}
	for i, sum := range sums {
		for j, table := range warehouse.Tables {
			if recorded[i][j] != sum.Tables[table].Rows || recorded[i][j] == 0 {
				t.Errorf("load %d: sparkify_loads.%s_rows = %d, want the summary's %d (not 0)", i+1, table, recorded[i][j], sum.Tables[table].Rows)
			}
		}
	}
	for _, table := range warehouse.Tables {
		if got, want := sums[1].Tables[table].Rows, sums[0].Tables[table].Rows; got != want {
			t.Errorf("%s rows after the second load = %d, want %d", table, got, want)
		}
	}
}
