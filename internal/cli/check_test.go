package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fixtureURI is the file:// URI of a folder of the integration fixture.
func fixtureURI(t *testing.T, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("..", "..", "integration", "testdata", "fixture", dir))
	if err != nil {
		t.Fatal(err)
	}
	return "file://" + abs
}

// TestCheck runs -phase check without a database server: each line says
// what was checked, and the exit code is the one the load would have, a
// setting to fix (2) before a peer that is down (75).
func TestCheck(t *testing.T) {
	report := t.TempDir()
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	good := func(extra map[string]string) map[string]string {
		env := map[string]string{
			"SPARKIFY_SONG_DATA":  fixtureURI(t, "song_data"),
			"SPARKIFY_LOG_DATA":   fixtureURI(t, "log_data"),
			"SPARKIFY_REPORT_DIR": filepath.Join(report, "new"),
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	refusing := "postgres://u:pw-XYZZY@127.0.0.1:1/db?connect_timeout=5"
	tests := []struct {
		name  string
		env   map[string]string
		code  int
		lines []string // regular expressions, one per printed line, in order
	}{
		{"no database URL", good(nil), 2, []string{
			`^FAILED      database   SPARKIFY_DATABASE_URL: is required: set it to postgres://user:password@host:port/dbname$`,
			`^not checked privileges no database$`,
			`^ok          song data  file://.*/fixture/song_data lists: 6 \.json files, the first file://.*/song_data/A/A/A/TRAAAAW128F429D538\.json$`,
			`^ok          log data   file://.*/fixture/log_data lists: 2 \.json files, the first file://.*/2018-11-01-events\.json$`,
			`^ok          staging    not used on the postgres target$`,
			`^ok          report     .*/new is writable \(it does not exist yet; the report creates it in .*\)$`,
		}},
		{"database refusing connections", good(map[string]string{"SPARKIFY_DATABASE_URL": refusing}), 75, []string{
			`^FAILED      database   cannot connect to postgres://u:REDACTED@127\.0\.0\.1:1/db\?connect_timeout=5 \(it may be down or busy; run again\): .*connection refused.* \(a peer is down, stalled or busy: run the check again later\)$`,
			`^not checked privileges no connection$`,
			`^ok          song data  `,
			`^ok          log data   `,
			`^ok          staging    `,
			`^ok          report     `,
		}},
		{"a missing source folder comes before a peer that is down", good(map[string]string{"SPARKIFY_DATABASE_URL": refusing, "SPARKIFY_LOG_DATA": "file:///nonexistent/log_data"}), 2, []string{
			`^FAILED      database   cannot connect`,
			`^not checked privileges no connection$`,
			`^ok          song data  `,
			`^FAILED      log data   SPARKIFY_LOG_DATA: cannot read file:///nonexistent/log_data: the directory does not exist$`,
			`^ok          staging    `,
			`^ok          report     `,
		}},
		{"report folder is a file", good(map[string]string{"SPARKIFY_REPORT_DIR": notDir}), 2, []string{
			`^FAILED      database   `,
			`^not checked privileges `,
			`^ok          song data  `,
			`^ok          log data   `,
			`^ok          staging    `,
			`^FAILED      report     SPARKIFY_REPORT_DIR: .*/file is not a folder: choose a folder, or a path where the report may create one$`,
		}},
		{"redshift without a role", good(map[string]string{"SPARKIFY_TARGET": "redshift", "SPARKIFY_DATABASE_URL": refusing,
			"SPARKIFY_SONG_DATA": "s3://sparkify/song_data", "SPARKIFY_LOG_DATA": "s3://sparkify/log_data"}), 2, []string{
			`^FAILED      database   `,
			`^not checked privileges `,
			`^FAILED      song data  list s3://sparkify/song_data: .*connection refused.* \(a peer is down, stalled or busy: run the check again later\)$`,
			`^FAILED      log data   list s3://sparkify/log_data: `,
			`^warning     staging    SPARKIFY_STAGING_URI is not set: every Redshift load is then a full reload`,
			`^ok          report     `,
			`^FAILED      copy       SPARKIFY_IAM_ROLE_ARN: is required for the redshift target`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// S3 on a port where nothing listens.
			t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1")
			t.Setenv("AWS_ACCESS_KEY_ID", "test")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
			t.Setenv("AWS_REGION", "us-east-1")
			code, out, errOut := run(t, tt.env, "-phase", "check")
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(got) != len(tt.lines) {
				t.Fatalf("%d lines, want %d:\n%s", len(got), len(tt.lines), out)
			}
			for i, re := range tt.lines {
				if !regexp.MustCompile(re).MatchString(got[i]) {
					t.Errorf("line %d = %q, want it to match %q", i+1, got[i], re)
				}
			}
			if !strings.Contains(errOut, "checks failed") {
				t.Errorf("stderr does not say which checks failed:\n%s", errOut)
			}
			if strings.Contains(out+errOut, "XYZZY") {
				t.Error("the output shows the password")
			}
			if _, err := os.Stat(filepath.Join(report, "new")); err == nil {
				t.Error("the check created the report folder")
			}
			if left, _ := filepath.Glob(filepath.Join(report, ".sparkify-check-*")); len(left) > 0 {
				t.Errorf("the check left %v", left)
			}
		})
	}
}

func TestCheckDryRun(t *testing.T) {
	code, out, errOut := run(t, nil, "-phase", "check", "-dry-run")
	if code != 0 || !strings.HasPrefix(out, "-- check: target postgres; nothing is checked (dry run).") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
