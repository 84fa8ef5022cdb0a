package warehouse

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// planOptions is the configuration the golden plans are made with.
func planOptions(target Target) Options {
	return Options{
		Target:      target,
		SongData:    source.Location{Scheme: "s3", Bucket: "udacity-dend", Path: "song_data"},
		LogData:     source.Location{Scheme: "s3", Bucket: "udacity-dend", Path: "log_data"},
		LogJSONPath: "s3://udacity-dend/log_json_path.json",
		Region:      "us-west-2",
		IAMRoleARN:  "arn:aws:iam::123456789012:role/sparkify-redshift-s3-read",
		MaxErrors:   3,
	}
}

func TestPlanGolden(t *testing.T) {
	for _, target := range []Target{Postgres, Redshift} {
		t.Run(string(target), func(t *testing.T) {
			p, err := BuildPlan(sql.FS(), planOptions(target))
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := p.Write(&b); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", string(target)+"_plan.golden.sql")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/warehouse -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("plan differs from %s; if the change is intended, run go test ./internal/warehouse -update and review the diff\n--- got ---\n%s", golden, b.String())
			}
		})
	}
}

// sharedStatements returns the plan's statements from shared/ files.
func sharedStatements(p *Plan) []sql.Statement {
	var out []sql.Statement
	for _, st := range p.Steps {
		for _, s := range st.Stmts {
			if strings.HasPrefix(s.File, "shared/") {
				out = append(out, s)
			}
		}
	}
	return out
}

// TestSharedSQLDoesNotFork lists what each target executes and requires the
// shared statements to be the same, in the same order, on both.
func TestSharedSQLDoesNotFork(t *testing.T) {
	pg, err := BuildPlan(sql.FS(), planOptions(Postgres))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := BuildPlan(sql.FS(), planOptions(Redshift))
	if err != nil {
		t.Fatal(err)
	}
	// Postgres leaves out the checks its schema's constraints enforce; the
	// rest is the same.
	var onPostgres []sql.Statement
	var enforced []string
	for _, s := range sharedStatements(rs) {
		if s.Check != "" && len(s.Enforced) > 0 {
			enforced = append(enforced, s.File)
			continue
		}
		onPostgres = append(onPostgres, s)
	}
	if !reflect.DeepEqual(sharedStatements(pg), onPostgres) {
		t.Fatalf("shared statements differ between targets:\npostgres: %q\nredshift: %q", pg.SharedFiles(), rs.SharedFiles())
	}
	wantEnforced := []string{
		"shared/checks/01_songplays_null_keys.sql", "shared/checks/02_dimension_null_keys.sql",
		"shared/checks/04_duplicate_songplays.sql", "shared/checks/05_duplicate_users.sql",
		"shared/checks/06_duplicate_songs.sql", "shared/checks/07_duplicate_artists.sql",
		"shared/checks/08_duplicate_time.sql",
	}
	if !reflect.DeepEqual(enforced, wantEnforced) {
		t.Errorf("checks the Postgres schema enforces = %q\nwant %q", enforced, wantEnforced)
	}
	want := []string{
		"shared/schema/0002_comments.sql", "shared/schema/0005_load_rows.sql",
		"shared/rebuild/01_rebuild.sql", "shared/rebuild/02_rollups.sql",
		"shared/transform/00_staging_checks.sql", "shared/transform/00_statistics.sql",
		"shared/transform/01_plays.sql", "shared/transform/02_songs.sql", "shared/transform/03_artists.sql",
		"shared/transform/04_users.sql", "shared/transform/05_songplays.sql", "shared/transform/06_time.sql",
		"shared/transform/07_rollups.sql",
		"shared/checks/01_songplays_null_keys.sql", "shared/checks/02_dimension_null_keys.sql",
		"shared/checks/03_songplays_without_time.sql", "shared/checks/04_duplicate_songplays.sql",
		"shared/checks/05_duplicate_users.sql", "shared/checks/06_duplicate_songs.sql",
		"shared/checks/07_duplicate_artists.sql", "shared/checks/08_duplicate_time.sql",
		"shared/bookkeeping/row_counts.sql",
	}
	if got := rs.SharedFiles(); !reflect.DeepEqual(got, want) {
		t.Errorf("shared files = %q\nwant %q", got, want)
	}
	// Only the dialect directories may differ: nothing outside shared/ and
	// the target's own directory is read.
	for _, p := range []*Plan{pg, rs} {
		for _, st := range p.Steps {
			for _, s := range st.Stmts {
				if !strings.HasPrefix(s.File, "shared/") && !strings.HasPrefix(s.File, string(p.Target)+"/") {
					t.Errorf("%s plan reads %s", p.Target, s.File)
				}
			}
		}
	}
}

// notOnRedshift lists constructs that Postgres runs and Redshift rejects (or
// runs differently). Shared SQL must avoid all of them; TRUNCATE is also
// banned from every file of a load, because Redshift commits on TRUNCATE and
// the load must stay one transaction.
var notOnRedshift = []struct{ name, pattern string }{
	{"ON CONFLICT (no upsert clause on Redshift; use DELETE … USING then INSERT)", `(?i)\bON\s+CONFLICT\b`},
	{"RETURNING", `(?i)\bRETURNING\b`},
	{"TRUNCATE (commits the transaction on Redshift)", `(?i)\bTRUNCATE\b`},
	{"aggregate FILTER (WHERE …) (use CASE)", `(?i)\bFILTER\s*\(\s*WHERE\b`},
	{"jsonb / json operators", `(?i)\bjsonb?\b|->>|#>`},
	{"arrays", `(?i)\bARRAY\s*\[|\bARRAY_AGG\b|\bUNNEST\b|\[\]`},
	{"generate_series (leader-node only on Redshift)", `(?i)\bGENERATE_SERIES\b`},
	{"IS [NOT] DISTINCT FROM", `(?i)\bDISTINCT\s+FROM\b`},
	{"DISTINCT ON", `(?i)\bDISTINCT\s+ON\b`},
	{"LATERAL", `(?i)\bLATERAL\b`},
	{"string_agg (Redshift has LISTAGG)", `(?i)\bSTRING_AGG\b`},
	{"COLLATE (Postgres syntax; collations are set in the Postgres DDL)", `(?i)\bCOLLATE\b`},
	{"ON COMMIT (temporary tables on Redshift have no ON COMMIT)", `(?i)\bON\s+COMMIT\b`},
	{"SERIAL / sequences", `(?i)\b(BIG)?SERIAL\b|\bNEXTVAL\b`},
	{"now() (leader-node only on Redshift)", `(?i)\bNOW\s*\(`},
	{"TO_TIMESTAMP (different signature on Redshift)", `(?i)\bTO_TIMESTAMP\b`},
	{"FOR UPDATE / SHARE", `(?i)\bFOR\s+(UPDATE|SHARE)\b`},
	{"advisory locks", `(?i)\bPG_(TRY_)?ADVISORY`},
	{"INSERT … ON CONFLICT DO / MERGE", `(?i)\bMERGE\s+INTO\b`},
}

func TestSharedSQLAvoidsPostgresOnlyConstructs(t *testing.T) {
	files, err := filepath.Glob("../../sql/shared/*/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shared SQL files found: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		code := sql.StripComments(string(b))
		for _, c := range notOnRedshift {
			if loc := regexp.MustCompile(c.pattern).FindStringIndex(code); loc != nil {
				t.Errorf("%s uses %s: %q", f, c.name, code[loc[0]:loc[1]])
			}
		}
	}
	// TRUNCATE is banned from the dialect files of a load as well.
	for _, target := range []Target{Postgres, Redshift} {
		p, err := BuildPlan(sql.FS(), planOptions(target))
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range p.Steps {
			for _, s := range st.Stmts {
				if regexp.MustCompile(`(?i)\bTRUNCATE\b`).MatchString(sql.StripComments(s.SQL)) {
					t.Errorf("%s: TRUNCATE inside the load transaction", s.File)
				}
			}
		}
	}
}

// TestBannedConstructsAreCaught makes sure the checker above can fail.
func TestBannedConstructsAreCaught(t *testing.T) {
	samples := map[string]string{
		"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING": "ON CONFLICT",
		"SELECT COUNT(*) FILTER (WHERE x) FROM t":         "aggregate FILTER",
		"SELECT * FROM generate_series(1, 3)":             "generate_series",
		"truncate songs":                                  "TRUNCATE",
		"SELECT a IS DISTINCT FROM b":                     "IS [NOT] DISTINCT FROM",
		"SELECT x->>'a' FROM t":                           "jsonb",
	}
	for sql, want := range samples {
		found := ""
		for _, c := range notOnRedshift {
			if regexp.MustCompile(c.pattern).MatchString(sql) {
				found = c.name
				break
			}
		}
		if !strings.HasPrefix(found, want) {
			t.Errorf("%q: caught as %q, want %q", sql, found, want)
		}
	}
}

// TestColumnBytesMatchRedshiftStaging keeps the Postgres decoders' length
// limits equal to the Redshift staging tables' VARCHAR sizes, so that a
// value too long for its column is a malformed record on both targets.
func TestColumnBytesMatchRedshiftStaging(t *testing.T) {
	b, err := fs.ReadFile(sql.FS(), "redshift/staging.sql")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(\w+)\s+VARCHAR\((\d+)\)`).FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[2])
		got[m[1]] = n
	}
	if !reflect.DeepEqual(got, source.ColumnBytes) {
		t.Errorf("VARCHAR sizes in sql/redshift/staging.sql = %v\nsource.ColumnBytes = %v", got, source.ColumnBytes)
	}
}
