package sql

import (
	"reflect"
	"testing"
	"testing/fstest"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"two statements", "SELECT 1;\nSELECT 2;", []string{"SELECT 1", "SELECT 2"}},
		{"no trailing semicolon", "SELECT 1", []string{"SELECT 1"}},
		{"semicolon in string", "SELECT 'a;b';SELECT 2", []string{"SELECT 'a;b'", "SELECT 2"}},
		{"escaped quote", "SELECT 'it''s; fine';", []string{"SELECT 'it''s; fine'"}},
		{"semicolon in identifier", `SELECT 1 AS "x;y";`, []string{`SELECT 1 AS "x;y"`}},
		{"line comment", "-- a; b\nSELECT 1;", []string{"-- a; b\nSELECT 1"}},
		{"block comment", "/* a; b */ SELECT 1;", []string{"/* a; b */ SELECT 1"}},
		{"comment-only piece dropped", "SELECT 1;\n-- trailing note\n", []string{"SELECT 1"}},
		{"empty", " \n ", nil},
		{"dollar quoted", "DO $$BEGIN PERFORM 1; END$$;\nSELECT 2;", []string{"DO $$BEGIN PERFORM 1; END$$", "SELECT 2"}},
		{"tagged dollar quote", "SELECT $fn$ a; $$ b; $fn$;SELECT 2", []string{"SELECT $fn$ a; $$ b; $fn$", "SELECT 2"}},
		{"positional parameter", "INSERT INTO t VALUES ($1);SELECT 2", []string{"INSERT INTO t VALUES ($1)", "SELECT 2"}},
		{"dollar in a name", "SELECT a$b; SELECT 2", []string{"SELECT a$b", "SELECT 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Split(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripComments(t *testing.T) {
	in := "-- metric: x.y\nSELECT '--not a comment' /* gone */ FROM t -- gone\nWHERE a = 1"
	want := "SELECT '--not a comment'   FROM t \nWHERE a = 1"
	if got := StripComments(in); got != want {
		t.Errorf("StripComments = %q, want %q", got, want)
	}
}

func TestReadFileAnnotations(t *testing.T) {
	fsys := fstest.MapFS{"shared/x.sql": {Data: []byte("CREATE TEMP TABLE a AS SELECT 1;\n-- metric: users.updated\nDELETE FROM users;\n-- check: rows that are wrong\nSELECT COUNT(*) FROM t;\n-- check: duplicates\n-- postgres enforces: t_pkey, t.a NOT NULL\nSELECT 0;\n-- name: read_version\nSELECT 1;\n")}}
	got, err := ReadFile(fsys, "shared/x.sql")
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{File: "shared/x.sql", SQL: "CREATE TEMP TABLE a AS SELECT 1"},
		{File: "shared/x.sql", SQL: "-- metric: users.updated\nDELETE FROM users", Metric: "users.updated"},
		{File: "shared/x.sql", SQL: "-- check: rows that are wrong\nSELECT COUNT(*) FROM t", Check: "rows that are wrong"},
		{File: "shared/x.sql", SQL: "-- check: duplicates\n-- postgres enforces: t_pkey, t.a NOT NULL\nSELECT 0", Check: "duplicates", Enforced: []string{"t_pkey", "t.a NOT NULL"}},
		{File: "shared/x.sql", SQL: "-- name: read_version\nSELECT 1", Name: "read_version"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadFile =\n%#v\nwant\n%#v", got, want)
	}
}
