package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// run runs the job in-process with env as its SPARKIFY_ variables: every
// other SPARKIFY_ variable is unset for the rest of the test.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runAt(t, time.Now, env, args...)
}

// runAt is run with now as the run's clock.
func runAt(t *testing.T, now func() time.Time, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	setEnv(t, env)
	var out, errb bytes.Buffer
	code = runJob(context.Background(), args, runEnv{stdout: &out, stderr: &errb, version: "v1.2.3", now: now})
	return code, out.String(), errb.String()
}

// setEnv makes env the test's SPARKIFY_ variables (t.Setenv restores the
// surrounding environment when the test ends).
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SPARKIFY_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		code    int
		wantOut string
		wantErr string
	}{
		{name: "version", args: []string{"-version"}, code: 0, wantOut: "job v1.2.3\n"},
		{name: "help lists every variable", args: []string{"-help"}, code: 0, wantOut: "SPARKIFY_LOG_JSONPATH\n      jsonpaths file for the Redshift COPY of the logs (default s3://udacity-dend/log_json_path.json)"},
		{name: "no phase", args: nil, code: 2, wantErr: "no phase given: use -phase with one or more of provision, check, load, report, teardown"},
		{name: "unknown phase", args: []string{"-phase", "load,transform"}, code: 2, wantErr: `unknown phase "transform": valid phases are provision, check, load, report, teardown`},
		{name: "unknown flag", args: []string{"-phse", "load"}, code: 2, wantErr: "flag provided but not defined: -phse\njob: run job -help for the flags, phases and variables\n"},
		{name: "full refresh flag", args: []string{"-full-refresh", "-phase", "load", "-dry-run"}, code: 0, wantOut: "-- load plan: target postgres"},
		{name: "bad log level", env: map[string]string{"SPARKIFY_LOG_LEVEL": "trace"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_LOG_LEVEL: unknown level "trace": use info or debug`},
		{name: "missing database URL", args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_DATABASE_URL: is required"},
		{name: "database URL without database", env: map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:p@localhost:5432"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_DATABASE_URL: names no database"},
		{name: "unknown target", env: map[string]string{"SPARKIFY_TARGET": "mysql"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_TARGET: unknown target "mysql": use postgres or redshift`},
		{name: "bad song URI", env: map[string]string{"SPARKIFY_SONG_DATA": "https://example/x"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_SONG_DATA: "https://example/x" is neither s3://bucket/prefix nor file:///dir`},
		{name: "relative file URI", env: map[string]string{"SPARKIFY_LOG_DATA": "file://data/logs"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_LOG_DATA: \"file://data/logs\" is not file:///absolute/dir"},
		{name: "bad bucket", env: map[string]string{"SPARKIFY_LOG_DATA": "s3://Bad_Bucket/x"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_LOG_DATA: "s3://Bad_Bucket/x" is not s3://bucket/prefix`},
		{name: "bad max errors", env: map[string]string{"SPARKIFY_MAX_ERRORS": "many"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_MAX_ERRORS: cannot parse "many" as int`},
		{name: "bad log format", env: map[string]string{"SPARKIFY_LOG_FORMAT": "xml"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_LOG_FORMAT: unknown format \"xml\""},
		{name: "unwritable run result found before any work", env: map[string]string{"SPARKIFY_RUN_RESULT": "/nonexistent-dir/run.json", "SPARKIFY_DATABASE_URL": "postgres://u:p@127.0.0.1:1/db"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_RUN_RESULT: cannot write the run result"},
		{name: "database refusing connections is transient", env: map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:pw-XYZZY@127.0.0.1:1/db?connect_timeout=5"}, args: []string{"-phase", "load"}, code: 75, wantErr: "cannot connect to postgres://u:REDACTED@127.0.0.1:1/db?connect_timeout=5 (it may be down or busy; run again)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.code, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", out, tt.wantOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.wantErr)
			}
			if strings.Contains(out+errOut, "XYZZY") {
				t.Errorf("output shows the password: %s%s", out, errOut)
			}
		})
	}
}

// TestHelpOnce: -help prints the usage once, on stdout, with every phase
// and every documented exit code.
func TestHelpOnce(t *testing.T) {
	code, out, errOut := run(t, nil, "-help")
	if code != 0 || errOut != "" {
		t.Errorf("exit %d, stderr %q; want 0 and nothing on stderr", code, errOut)
	}
	if n := strings.Count(out, "Usage: job"); n != 1 {
		t.Errorf("usage printed %d times on stdout", n)
	}
	for _, want := range []string{"  check      check, changing nothing,", "-full-refresh\n", "SPARKIFY_LOG_LEVEL\n", "  143  SIGTERM or SIGINT stopped it"} {
		if !strings.Contains(out, want) {
			t.Errorf("-help lacks %q", want)
		}
	}
	for _, c := range ExitCodes {
		if !strings.Contains(out, fmt.Sprintf("  %3d  %s\n", c.Code, c.Meaning)) {
			t.Errorf("-help does not document exit code %d", c.Code)
		}
	}
}

// TestFullRefreshFlag: -full-refresh sets what SPARKIFY_FULL_REFRESH=true
// sets, as the load's "phase started" line shows.
func TestFullRefreshFlag(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"neither", nil, []string{"-phase", "load", "-dry-run"}, "full_refresh=false"},
		{"flag", nil, []string{"-full-refresh", "-phase", "load", "-dry-run"}, "full_refresh=true"},
		{"variable", map[string]string{"SPARKIFY_FULL_REFRESH": "true"}, []string{"-phase", "load", "-dry-run"}, "full_refresh=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, tt.env, tt.args...)
			if code != 0 || !strings.Contains(errOut, "msg=\"phase started\" phase=load") || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 0 and %s", code, errOut, tt.want)
			}
		})
	}
}

func TestJSONLogs(t *testing.T) {
	_, _, errOut := run(t, map[string]string{"SPARKIFY_LOG_FORMAT": "json", "SPARKIFY_DATABASE_URL": "postgres://u@127.0.0.1:1/db?connect_timeout=5"}, "-phase", "load")
	first, _, _ := strings.Cut(errOut, "\n")
	if !strings.HasPrefix(first, `{"time":`) || !strings.Contains(first, `"msg":"phase started","phase":"load"`) {
		t.Errorf("first log line %q is not slog JSON", first)
	}
}

var redshiftEnv = map[string]string{
	"SPARKIFY_TARGET":        "redshift",
	"SPARKIFY_DATABASE_URL":  "postgres://awsuser:pw-XYZZY@sparkify.abc.us-west-2.redshift.amazonaws.com:5439/sparkify",
	"SPARKIFY_IAM_ROLE_ARN":  "arn:aws:iam::123456789012:role/sparkify-redshift-s3-read",
	"SPARKIFY_SONG_DATA":     "s3://my-songs/song_data",
	"SPARKIFY_LOG_DATA":      "s3://my-logs/log_data",
	"SPARKIFY_LOG_JSONPATH":  "s3://my-logs/log_json_path.json",
	"SPARKIFY_SOURCE_REGION": "eu-west-1",
	"SPARKIFY_MAX_ERRORS":    "5",
}

func TestRedshiftDryRun(t *testing.T) {
	code, out, errOut := run(t, redshiftEnv, "-phase", "load", "-dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"-- load plan: target redshift, database postgres://awsuser:REDACTED@sparkify.abc.us-west-2.redshift.amazonaws.com:5439/sparkify\n",
		"songplay_id     BIGINT GENERATED BY DEFAULT AS IDENTITY(1, 1) NOT NULL",
		"DISTSTYLE ALL",
		"COPY staging_songs\nFROM 's3://my-songs/song_data'\nIAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-redshift-s3-read'\nREGION 'eu-west-1'\nFORMAT AS JSON 'auto'\nMAXERROR 6\nCOMPUPDATE OFF\nSTATUPDATE OFF;\n",
		"FROM 's3://my-logs/log_data'\nIAM_ROLE 'arn:aws:iam::123456789012:role/sparkify-redshift-s3-read'\nREGION 'eu-west-1'\nFORMAT AS JSON 's3://my-logs/log_json_path.json'\nTIMEFORMAT 'epochmillisecs'\nMAXERROR 6\n",
		"-- sql/shared/transform/05_songplays.sql\n",
		"-- sql/shared/checks/08_duplicate_time.sql\n",
		"\nCOMMIT;\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q", want)
		}
	}
	if strings.Contains(out+errOut, "XYZZY") {
		t.Error("dry run shows the database password")
	}
}

func TestRedshiftRefusesInjectedValues(t *testing.T) {
	tests := []struct{ name, key, value, wantErr string }{
		{"role with quote", "SPARKIFY_IAM_ROLE_ARN", "arn:aws:iam::123456789012:role/x' CREDENTIALS 'a", "SPARKIFY_IAM_ROLE_ARN: \"arn:aws:iam::123456789012:role/x' CREDENTIALS 'a\" is not arn:aws:iam::<12-digit account>:role/<name>"},
		{"URI with clause", "SPARKIFY_LOG_DATA", "s3://my-logs/log_data' MANIFEST", "SPARKIFY_LOG_DATA: \"s3://my-logs/log_data' MANIFEST\" is not s3://bucket/prefix"},
		{"jsonpaths with clause", "SPARKIFY_LOG_JSONPATH", "s3://my-logs/p.json' REGION 'us-east-1", "SPARKIFY_LOG_JSONPATH: "},
		{"missing role", "SPARKIFY_IAM_ROLE_ARN", "", "SPARKIFY_IAM_ROLE_ARN: is required for the redshift target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range redshiftEnv {
				env[k] = v
			}
			env[tt.key] = tt.value
			for _, args := range [][]string{{"-phase", "load", "-dry-run"}, {"-phase", "load"}} {
				code, out, errOut := run(t, env, args...)
				if code != 2 || !strings.Contains(errOut, tt.wantErr) {
					t.Errorf("%v: exit %d, stderr %q; want 2 and %q", args, code, errOut, tt.wantErr)
				}
				if strings.Contains(out, "COPY") {
					t.Errorf("%v: printed a plan despite the bad value", args)
				}
			}
		})
	}
}

func TestPostgresDryRun(t *testing.T) {
	code, out, errOut := run(t, map[string]string{"SPARKIFY_SONG_DATA": "s3://bucket-1/songs", "SPARKIFY_LOG_DATA": "file:///data/logs"}, "-phase", "load", "-dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"-- load plan: target postgres, database (SPARKIFY_DATABASE_URL not set)",
		"SELECT pg_advisory_xact_lock(5142022018);",
		"-- stage staging_songs: rows decoded by the job from every .json object under s3://bucket-1/songs\nCOPY staging_songs (num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year, source_object) FROM STDIN (FORMAT binary);",
		"under file:///data/logs\nCOPY staging_events (",
		"-- sql/shared/transform/01_plays.sql\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q", want)
		}
	}
}
