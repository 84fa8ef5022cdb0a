package warehouse

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

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

func TestConnConfigByEngine(t *testing.T) {
	tests := []struct {
		target   Target
		url      string
		tls      bool // the server's certificate is verified
		execMode pgx.QueryExecMode
	}{
		{Postgres, "postgres://u:p@h:5432/db?sslmode=disable", false, pgx.QueryExecModeCacheStatement},
		{Redshift, "postgres://u:p@h:5439/dev", true, pgx.QueryExecModeExec},
		{Redshift, "postgres://u:p@h:5439/dev?sslmode=disable", false, pgx.QueryExecModeExec},
	}
	for _, tt := range tests {
		cc, err := ConnConfig(tt.target, tt.url)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.target, tt.url, err)
		}
		verified := cc.TLSConfig != nil && !cc.TLSConfig.InsecureSkipVerify
		if verified != tt.tls || cc.DefaultQueryExecMode != tt.execMode {
			t.Errorf("%s %s: verified TLS %v, exec mode %v; want %v, %v", tt.target, tt.url, verified, cc.DefaultQueryExecMode, tt.tls, tt.execMode)
		}
		if cc.RuntimeParams["application_name"] != "sparkify-job" || cc.ConnectTimeout != DefaultConnectTimeout {
			t.Errorf("%s: application_name %q, connect timeout %v", tt.target, cc.RuntimeParams["application_name"], cc.ConnectTimeout)
		}
	}
	if _, err := ConnConfig("oracle", "postgres://h/db"); err == nil {
		t.Error("an unknown target is accepted")
	}
}
