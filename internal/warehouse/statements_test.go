package warehouse

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
	fsys := fstest.MapFS{"shared/x.sql": {Data: []byte("CREATE TEMP TABLE a AS SELECT 1;\n-- metric: users.updated\nDELETE FROM users;\n-- check: rows that are wrong\nSELECT COUNT(*) FROM t;\n")}}
	got, err := ReadFile(fsys, "shared/x.sql")
	if err != nil {
		t.Fatal(err)
	}
	want := []Statement{
		{File: "shared/x.sql", SQL: "CREATE TEMP TABLE a AS SELECT 1"},
		{File: "shared/x.sql", SQL: "-- metric: users.updated\nDELETE FROM users", Metric: "users.updated"},
		{File: "shared/x.sql", SQL: "-- check: rows that are wrong\nSELECT COUNT(*) FROM t", Check: "rows that are wrong"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadFile =\n%#v\nwant\n%#v", got, want)
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"postgres://u:hunter2@h:5432/db?sslmode=require": "postgres://u:REDACTED@h:5432/db?sslmode=require",
		"postgres://u@h/db?password=hunter2":             "postgres://u@h/db?password=REDACTED",
		"postgresql://u@h/db":                            "postgresql://u@h/db",
		"host=h user=u password=hunter2 dbname=d":        "(not a postgres:// URL; not shown)",
		"postgres:///db?host=/tmp&password=hunter2":      "(not a postgres:// URL; not shown)",
	}
	for in, want := range tests {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
