package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/config"

	"github.com/sparkify/warehouse/internal/report"
	"github.com/sparkify/warehouse/sql"
)

func TestReportDryRun(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 3, 4, 23, 59, 0, 0, time.FixedZone("X", -3600)) }
	dir := filepath.Join(t.TempDir(), "report")
	code, out, errOut := runAt(t, now, map[string]string{
		"SPARKIFY_REPORT_DIR":   dir,
		"SPARKIFY_REPORT_URI":   "s3://team-reports/sparkify/",
		"SPARKIFY_DATABASE_URL": "postgres://u:secret@127.0.0.1:1/db",
	}, "-phase", "report", "-dry-run")
	if code != 0 {
		t.Fatalf("exit code %d\nstderr: %s", code, errOut)
	}
	stmts, err := report.Statements(sql.FS())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if !strings.Contains(out, "-- shared/report/"+s.Name+"\n"+s.SQL) {
			t.Errorf("dry run does not print %s with its SQL", s.Name)
		}
	}
	for _, want := range []string{
		"nothing below was executed (dry run)",
		"database postgres://u:REDACTED@127.0.0.1:1/db",
		"REPEATABLE READ READ ONLY",
		"-- files written to " + dir + ":\n",
		"--   plays_by_weekday_hour.png\n", "--   summary.json\n", "--   index.html\n",
		"-- and uploaded to s3://team-reports/sparkify/2026-03-05/\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "secret") {
		t.Error("dry run shows the password")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("dry run created the report folder (%v)", err)
	}
}

func TestReportDryRunNeedsNoDatabase(t *testing.T) {
	code, out, errOut := run(t, map[string]string{"SPARKIFY_REPORT_DIR": filepath.Join(t.TempDir(), "r")}, "-phase", "report", "-dry-run")
	if code != 0 || !strings.Contains(out, "SPARKIFY_DATABASE_URL not set") || strings.Contains(out, "uploaded to") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

func TestReportUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		code    int
		wantErr string
	}{
		{name: "no database", env: nil, code: ExitUsage, wantErr: "SPARKIFY_DATABASE_URL: is required"},
		{name: "bad report URI", env: map[string]string{"SPARKIFY_REPORT_URI": "file:///tmp/reports"}, code: ExitUsage, wantErr: `SPARKIFY_REPORT_URI: "file:///tmp/reports" is not of the form s3://bucket/prefix`},
		{name: "bad report period", env: map[string]string{"SPARKIFY_REPORT_PERIOD": "last-month"}, code: ExitUsage, wantErr: `SPARKIFY_REPORT_PERIOD: "last-month" is not a report period: use all (every play, the default), Nd (the last N days up to the day of the last play, e.g. 30d), YYYY-MM (a month, e.g. 2018-11) or YYYY-MM-DD..YYYY-MM-DD`},
		{name: "report period ending before it starts", env: map[string]string{"SPARKIFY_REPORT_PERIOD": "2018-11-15..2018-11-01"}, code: ExitUsage, wantErr: `SPARKIFY_REPORT_PERIOD: "2018-11-15..2018-11-01" is not a report period (its last day is before its first)`},
		{name: "database refusing connections", env: map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:secret@127.0.0.1:1/db?connect_timeout=5"}, code: ExitTransient, wantErr: "cannot connect to postgres://u:REDACTED@127.0.0.1:1/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"SPARKIFY_REPORT_DIR": filepath.Join(t.TempDir(), "r")}
			for k, v := range tt.env {
				env[k] = v
			}
			code, out, errOut := run(t, env, "-phase", "report")
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.code, errOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.wantErr)
			}
			if strings.Contains(out+errOut, "secret") {
				t.Errorf("output shows the password")
			}
			if _, err := os.Stat(env["SPARKIFY_REPORT_DIR"]); !os.IsNotExist(err) {
				t.Errorf("a failed report created its folder (%v)", err)
			}
		})
	}
}

func TestReportWriteError(t *testing.T) {
	cfg := config.Config{ReportDir: "/report"}
	denied := &fs.PathError{Op: "open", Path: "/report/index.html", Err: fs.ErrPermission}
	var ce *config.Error
	if err := reportWriteError(cfg, denied); !errors.As(err, &ce) || ce.Var != "REPORT_DIR" || !strings.Contains(err.Error(), "docker run --user") {
		t.Errorf("reportWriteError(permission denied) = %v, want a configuration error naming REPORT_DIR", err)
	}
	other := errors.New("disk on fire")
	if err := reportWriteError(cfg, other); err != other {
		t.Errorf("reportWriteError(other) = %v, want it unchanged", err)
	}
}
