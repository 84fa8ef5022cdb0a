package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// clearEnv unsets every SPARKIFY_ variable for the test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "SPARKIFY_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}

func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	clearEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb, "v1.2.3")
	return code, out.String(), errb.String()
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
		{name: "no phase", args: nil, code: 2, wantErr: "no phase given: use -phase with one or more of provision, load, report, teardown"},
		{name: "unknown phase", args: []string{"-phase", "load,transform"}, code: 2, wantErr: `unknown phase "transform": valid phases are provision, load, report, teardown`},
		{name: "unknown flag", args: []string{"-phse", "load"}, code: 2, wantErr: "flag provided but not defined: -phse"},
		{name: "missing database URL", args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_DATABASE_URL: is required"},
		{name: "database URL without database", env: map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:p@localhost:5432"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_DATABASE_URL: names no database"},
		{name: "unknown target", env: map[string]string{"SPARKIFY_TARGET": "mysql"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_TARGET: unknown target "mysql": use postgres or redshift`},
		{name: "bad song URI", env: map[string]string{"SPARKIFY_SONG_DATA": "https://example/x"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_SONG_DATA: "https://example/x" is neither s3://bucket/prefix nor file:///dir`},
		{name: "relative file URI", env: map[string]string{"SPARKIFY_LOG_DATA": "file://data/logs"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_LOG_DATA: \"file://data/logs\" is not file:///absolute/dir"},
		{name: "bad bucket", env: map[string]string{"SPARKIFY_LOG_DATA": "s3://Bad_Bucket/x"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_LOG_DATA: "s3://Bad_Bucket/x" is not s3://bucket/prefix`},
		{name: "bad max errors", env: map[string]string{"SPARKIFY_MAX_ERRORS": "many"}, args: []string{"-phase", "load"}, code: 2, wantErr: `SPARKIFY_MAX_ERRORS: cannot parse "many" as int`},
		{name: "bad log format", env: map[string]string{"SPARKIFY_LOG_FORMAT": "xml"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_LOG_FORMAT: unknown format \"xml\""},
		{name: "unreachable database", env: map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:pw-XYZZY@127.0.0.1:1/db?connect_timeout=5"}, args: []string{"-phase", "load"}, code: 2, wantErr: "SPARKIFY_DATABASE_URL: cannot connect to postgres://u:REDACTED@127.0.0.1:1/db"},
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

func TestJSONLogs(t *testing.T) {
	_, _, errOut := run(t, map[string]string{"SPARKIFY_LOG_FORMAT": "json", "SPARKIFY_DATABASE_URL": "postgres://u@127.0.0.1:1/db?connect_timeout=5"}, "-phase", "load")
	first, _, _ := strings.Cut(errOut, "\n")
	if !strings.HasPrefix(first, `{"time":`) || !strings.Contains(first, `"msg":"phase started","phase":"load"`) {
		t.Errorf("first log line %q is not slog JSON", first)
	}
}
