package warehouse

import "testing"

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
