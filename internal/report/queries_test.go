package report

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sparkify/warehouse/sql"
)

// fakeRows is a pgx.Rows over values held in memory.
type fakeRows struct {
	rows [][]any
	i    int
}

func (r *fakeRows) Close()                                       {}
func (r *fakeRows) Err() error                                   { return nil }
func (r *fakeRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (r *fakeRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (r *fakeRows) Next() bool                                   { r.i++; return r.i <= len(r.rows) }
func (r *fakeRows) Values() ([]any, error)                       { return r.rows[r.i-1], nil }
func (r *fakeRows) RawValues() [][]byte                          { return nil }
func (r *fakeRows) Conn() *pgx.Conn                              { return nil }
func (r *fakeRows) TypeMap() *pgtype.Map                         { return nil }
func (r *fakeRows) Scan(dest ...any) error {
	row := r.rows[r.i-1]
	if len(dest) != len(row) {
		return fmt.Errorf("scan %d values into %d destinations", len(row), len(dest))
	}
	for j, d := range dest {
		v := reflect.ValueOf(d).Elem()
		if row[j] == nil {
			v.Set(reflect.Zero(v.Type()))
			continue
		}
		v.Set(reflect.ValueOf(row[j]))
	}
	return nil
}

// fakeDB answers each query file (recognised by its text) with fixed rows.
type fakeDB struct {
	rows  map[string][][]any // by file name
	fail  string             // file whose query fails
	asked []string
}

// queryFS is the report folder with each file's text set to its name, so
// that fakeDB can tell the queries apart.
func queryFS() fstest.MapFS {
	m := fstest.MapFS{}
	for _, name := range QueryFiles {
		m[QueryDir+"/"+name] = &fstest.MapFile{Data: []byte(name)}
	}
	return m
}

func (db *fakeDB) Query(_ context.Context, sql string, _ ...any) (pgx.Rows, error) {
	db.asked = append(db.asked, sql)
	if sql == db.fail {
		return nil, errors.New("relation does not exist")
	}
	return &fakeRows{rows: db.rows[sql]}, nil
}

func TestCollect(t *testing.T) {
	first := time.Date(2018, 11, 1, 10, 0, 0, 0, time.UTC)
	last := time.Date(2018, 11, 4, 9, 30, 0, 0, time.UTC)
	db := &fakeDB{rows: map[string][][]any{
		qStarTables:    {{"artists"}, {"songplays"}, {"songs"}, {"sparkify_loads"}, {"time"}, {"users"}},
		qTableRows:     {{"songplays", int64(6)}, {"users", int64(4)}, {"songs", int64(3)}, {"artists", int64(2)}, {"time", int64(6)}},
		qPlayTotals:    {{int64(6), int64(4), int64(2), int64(3), &first, &last}},
		qSessionsTotal: {{int64(4)}},
		qUsersByLevel:  {{"", "", int64(1)}, {"free", "F", int64(2)}, {"paid", "M", int64(1)}},
		qPlaysPerDay: {
			{date("2018-11-01"), "F", "free", int64(2)}, {date("2018-11-01"), "M", "paid", int64(1)},
			{date("2018-11-04"), "", "free", int64(2)}, {date("2018-11-04"), "F", "paid", int64(1)},
		},
		qSessionsPerDay:   {{date("2018-11-01"), int64(2)}, {date("2018-11-04"), int64(2)}},
		qPlaysWeekdayHour: {{0, 9, int64(3)}, {4, 10, int64(3)}},
		qTopSongs:         {{"S1", "A", "X", int64(3)}, {"S2", "B", "Y", int64(1)}},
		qTopArtists:       {{"AR1", "X", int64(3)}},
		qTopUsers:         {{int64(7), "Ann", "Lee", "free", int64(4)}},
		qLevelChanges:     {{int64(1), int64(0)}},
		qLoads:            {{"run-2", "failed", last.Add(2 * time.Hour), "transient"}, {"run-1", "committed", last.Add(time.Hour), ""}},
	}}
	got, err := Collect(context.Background(), db, queryFS())
	if err != nil {
		t.Fatal(err)
	}
	want := smallData()
	want.UsersByLevelGender = []LevelGenderUsers{{"", "", 1}, {"free", "F", 2}, {"paid", "M", 1}}
	want.PlaysByWeekdayHour = []WeekdayHourPlays{{0, 9, 3}, {4, 10, 3}}
	want.Loads = &Loads{
		Last:          &LoadInfo{ID: "run-2", Status: "failed", FinishedAt: last.Add(2 * time.Hour), ErrorClass: "transient"},
		LastCommitted: &LoadInfo{ID: "run-1", Status: "committed", FinishedAt: last.Add(time.Hour)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Collect =\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(db.asked, QueryFiles) {
		t.Errorf("queries run = %v, want every file once, in order", db.asked)
	}
}

func TestCollectBeforeAnyLoad(t *testing.T) {
	for _, tables := range [][][]any{nil, {{"songplays"}, {"users"}}} {
		db := &fakeDB{rows: map[string][][]any{qStarTables: tables}}
		got, err := Collect(context.Background(), db, queryFS())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, Data{}) {
			t.Errorf("Collect with tables %v = %+v, want empty Data", tables, got)
		}
		if len(db.asked) != 1 {
			t.Errorf("ran %v; only the table check may run when tables are missing", db.asked)
		}
	}
}

func TestCollectErrors(t *testing.T) {
	tables := [][]any{{"artists"}, {"songplays"}, {"songs"}, {"time"}, {"users"}}
	t.Run("query fails", func(t *testing.T) {
		db := &fakeDB{rows: map[string][][]any{qStarTables: tables}, fail: qTopSongs}
		_, err := Collect(context.Background(), db, queryFS())
		if err == nil || !strings.Contains(err.Error(), "report query 08_top_songs.sql: relation does not exist") {
			t.Errorf("err = %v, want it to name the query file", err)
		}
	})
	t.Run("totals disagree with the days", func(t *testing.T) {
		db := &fakeDB{rows: map[string][][]any{
			qStarTables:  tables,
			qPlayTotals:  {{int64(5), int64(0), int64(0), int64(1), nil, nil}},
			qPlaysPerDay: {{date("2018-11-01"), "F", "free", int64(4)}},
		}}
		_, err := Collect(context.Background(), db, queryFS())
		if err == nil || !strings.Contains(err.Error(), "5 plays in total but 4 over the days") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("file with two statements", func(t *testing.T) {
		fsys := queryFS()
		fsys[QueryDir+"/"+qTopUsers] = &fstest.MapFile{Data: []byte("SELECT 1; SELECT 2;")}
		if _, err := Collect(context.Background(), &fakeDB{}, fsys); err == nil || !strings.Contains(err.Error(), "10_top_users.sql holds 2 statements, want 1") {
			t.Errorf("err = %v, want it to name the file and its statements", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		fsys := queryFS()
		delete(fsys, QueryDir+"/"+qTopUsers)
		if _, err := Collect(context.Background(), &fakeDB{}, fsys); err == nil || !strings.Contains(err.Error(), "10_top_users.sql") {
			t.Errorf("err = %v, want it to name the missing file", err)
		}
	})
}

// TestQueryFiles checks the embedded report SQL: every file is used, each
// holds exactly one statement, and none uses what Postgres has and Redshift
// lacks (the report runs the same files on both).
func TestQueryFiles(t *testing.T) {
	entries, err := fs.ReadDir(sql.FS(), QueryDir)
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	for _, e := range entries {
		onDisk = append(onDisk, e.Name())
	}
	if !reflect.DeepEqual(onDisk, QueryFiles) {
		t.Errorf("files in sql/%s = %v, want exactly %v", QueryDir, onDisk, QueryFiles)
	}
	stmts, err := Statements(sql.FS())
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]*regexp.Regexp{
		"FILTER (WHERE …)":        regexp.MustCompile(`(?i)\bFILTER\s*\(`),
		"generate_series":         regexp.MustCompile(`(?i)generate_series`),
		"ON CONFLICT":             regexp.MustCompile(`(?i)\bON\s+CONFLICT\b`),
		":: casts":                regexp.MustCompile(`::`),
		"arrays":                  regexp.MustCompile(`(?i)\bARRAY\b|\bUNNEST\b|\[\]`),
		"json functions":          regexp.MustCompile(`(?i)\bjsonb?\b|json_`),
		"DISTINCT ON":             regexp.MustCompile(`(?i)\bDISTINCT\s+ON\b`),
		"ILIKE / regex matches":   regexp.MustCompile(`(?i)\bILIKE\b|~`),
		"Postgres-only functions": regexp.MustCompile(`(?i)\b(string_agg|array_agg|to_char|date_part|age|now|make_date|percentile_cont)\s*\(`),
		"LATERAL":                 regexp.MustCompile(`(?i)\bLATERAL\b`),
	}
	for _, s := range stmts {
		code := sql.StripComments(s.SQL)
		if n := len(sql.Split(s.SQL)); n != 1 {
			t.Errorf("%s holds %d statements, want 1", s.Name, n)
		}
		for what, re := range forbidden {
			if re.MatchString(code) {
				t.Errorf("%s uses %s, which Redshift lacks", s.Name, what)
			}
		}
		// Subqueries only as derived tables (FROM/JOIN) or after IN and
		// EXISTS: Redshift rejects many correlated scalar subqueries.
		for _, m := range subquery.FindAllStringSubmatch(code, -1) {
			switch strings.ToUpper(m[1]) {
			case "FROM", "JOIN", "IN", "EXISTS":
			default:
				t.Errorf("%s has a subquery after %q; use a join or UNION ALL", s.Name, m[1])
			}
		}
	}
}

// subquery finds "(SELECT" with the token before it.
var subquery = regexp.MustCompile(`(?i)(\S+)\s*\(\s*SELECT\b`)
