package config

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// setEnv makes env the test's only SPARKIFY_ variables.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, Prefix+"_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestRequireDatabase(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"postgres://u:p@localhost:5432/sparkify?sslmode=disable", true},
		{"postgresql://u@h/db", true},
		{"", false},
		{"mysql://u@h/db", false},
		{"postgres://u@h:5432", false},
		{"postgres:///db", false},
	}
	for _, tt := range tests {
		c := Config{DatabaseURL: tt.url}
		err := c.RequireDatabase()
		if (err == nil) != tt.ok {
			t.Errorf("RequireDatabase(%q) = %v, want ok %v", tt.url, err, tt.ok)
		}
		if err != nil {
			if ce, ok := err.(*Error); !ok || ce.Var != "DATABASE_URL" {
				t.Errorf("RequireDatabase(%q) = %v, want an *Error naming DATABASE_URL", tt.url, err)
			}
		}
	}
}

func TestLoad(t *testing.T) {
	env := map[string]string{
		"SPARKIFY_DATABASE_URL":        "postgres://u@h/db",
		"SPARKIFY_MAX_ERRORS":          "3",
		"SPARKIFY_S3_PATH_STYLE":       "true",
		"SPARKIFY_LOCK_TIMEOUT":        "90s",
		"SPARKIFY_NODE_COUNT":          "2",
		"SPARKIFY_INGRESS_CIDR":        "203.0.113.7/32",
		"SPARKIFY_SKIP_FINAL_SNAPSHOT": "1",
	}
	setEnv(t, env)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"target default", c.Target, warehouse.Postgres},
		{"database", c.DatabaseURL, "postgres://u@h/db"},
		{"song data default", c.SongData, source.Location{Scheme: "s3", Bucket: "udacity-dend", Path: "song_data"}},
		{"max errors", c.MaxErrors, 3},
		{"path style", c.S3PathStyle, true},
		{"lock timeout", c.LockTimeout, 90 * time.Second},
		{"concurrency default", c.Concurrency, 128},
		{"embedded: node count", c.NodeCount, 2},
		{"embedded: cluster default", c.ClusterID, "sparkify"},
		{"embedded: ingress", c.IngressCIDR, "203.0.113.7/32"},
		{"embedded: bool", c.SkipFinalSnapshot, true},
		{"embedded: wait default", c.WaitTimeout, 30 * time.Minute},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"SPARKIFY_MAX_ERRORS", "many", `SPARKIFY_MAX_ERRORS: cannot parse "many" as int`},
		{"SPARKIFY_S3_PATH_STYLE", "yes please", `SPARKIFY_S3_PATH_STYLE: cannot parse "yes please" as bool`},
		{"SPARKIFY_LOCK_TIMEOUT", "5", `SPARKIFY_LOCK_TIMEOUT: cannot parse "5" as a duration such as 30m`},
		{"SPARKIFY_WAIT_TIMEOUT", "soon", `SPARKIFY_WAIT_TIMEOUT: cannot parse "soon" as a duration such as 30m`},
		{"SPARKIFY_REPORT_PERIOD", "November", `SPARKIFY_REPORT_PERIOD: "November" is not a report period: use all (every play, the default), Nd (the last N days up to the day of the last play, e.g. 30d), YYYY-MM (a month, e.g. 2018-11) or YYYY-MM-DD..YYYY-MM-DD (days, both included, e.g. 2018-11-01..2018-11-15)`},
		{"SPARKIFY_TARGET", "mysql", `SPARKIFY_TARGET: unknown target "mysql": use postgres or redshift`},
		{"SPARKIFY_S3_CONCURRENCY", "0", "SPARKIFY_S3_CONCURRENCY: must be 1 or more"},
		{"SPARKIFY_MAX_ERRORS", "-1", "SPARKIFY_MAX_ERRORS: must be 0 or more"},
		{"SPARKIFY_REPORT_URI", "file:///tmp/r", `SPARKIFY_REPORT_URI: "file:///tmp/r" is not of the form s3://bucket/prefix`},
		{"SPARKIFY_REPORT_URI", "s3://reports/../../etc", `SPARKIFY_REPORT_URI: "s3://reports/../../etc" has a ".." path segment: write the prefix without such segments`},
		{"SPARKIFY_REPORT_URI", "s3://reports/%2e%2e/z", `SPARKIFY_REPORT_URI: "s3://reports/%2e%2e/z" has a "%2e%2e" path segment: write the prefix without such segments`},
		{"SPARKIFY_REPORT_URI", "s3://reports/a/%2E/z", `SPARKIFY_REPORT_URI: "s3://reports/a/%2E/z" has a "%2E" path segment: write the prefix without such segments`},
		{"SPARKIFY_SONG_DATA", "file:///x\nDROP TABLE songs; --", `SPARKIFY_SONG_DATA: "file:///x\nDROP TABLE songs; --" holds a control character (byte 9): remove it`},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			setEnv(t, map[string]string{tt.key: tt.value})
			_, err := Load()
			if err == nil || err.Error() != tt.want {
				t.Errorf("Load: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReportURIIsNormalised(t *testing.T) {
	setEnv(t, map[string]string{"SPARKIFY_REPORT_URI": "s3://reports//team///sparkify/"})
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ReportURI.String(); got != "s3://reports/team/sparkify" {
		t.Errorf("REPORT_URI = %q, want s3://reports/team/sparkify", got)
	}
}

func TestDatabaseURLPasswordHint(t *testing.T) {
	c := Config{DatabaseURL: "postgres://sparkify:pa#ss@db.example:5432/sparkify"}
	err := c.RequireDatabase()
	if err == nil || !strings.Contains(err.Error(), "must be percent-encoded (# as %23") {
		t.Errorf("RequireDatabase = %v, want the percent-encoding hint", err)
	}
}

func TestUnknownVariables(t *testing.T) {
	got := UnknownVariables([]string{
		"SPARKIFY_MAX_ERROR=1", "SPARKIFY_LOG_DATA=s3://b/l", "SPARKIFY_SUBNET_IDS=a", "SPARKIFY_FOO_BAR_BAZ=1", "PATH=/bin", "SPARKIFY_TARGT=redshift",
	})
	want := []Unknown{
		{Name: "SPARKIFY_MAX_ERROR", Suggestion: "SPARKIFY_MAX_ERRORS"},
		{Name: "SPARKIFY_FOO_BAR_BAZ"},
		{Name: "SPARKIFY_TARGT", Suggestion: "SPARKIFY_TARGET"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("UnknownVariables = %+v\nwant %+v", got, want)
	}
}
