package cli

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sparkify/warehouse/internal/jsontest"
)

// checkJSONLines fails unless every line of out is one JSON object whose
// keys, at every depth, appear once.
func checkJSONLines(t *testing.T, what, out string) []map[string]any {
	t.Helper()
	records, err := jsontest.Lines(out)
	if err != nil {
		t.Errorf("%s: %v", what, err)
	}
	return records
}

func TestJSONLogging(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // a message among the records
	}{
		{"dry run plan", map[string]string{}, []string{"-phase", "load", "-dry-run"}, 0, "output"},
		{"configuration error", map[string]string{"SPARKIFY_TARGET": "postgress"}, []string{"-phase", "load"}, 2, "configuration error"},
		{"transient failure", map[string]string{"SPARKIFY_DATABASE_URL": "postgres://u:p@127.0.0.1:1/db?connect_timeout=5"}, []string{"-phase", "load"}, 75, "phase failed"},
		{"misspelled variable", map[string]string{"SPARKIFY_MAX_ERROR": "1"}, []string{"-phase", "load", "-dry-run"}, 0, "unknown variable ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["SPARKIFY_LOG_FORMAT"] = "json"
			code, out, errOut := run(t, tt.env, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, errOut)
			}
			records := append(checkJSONLines(t, "stdout", out), checkJSONLines(t, "stderr", errOut)...)
			found := false
			for _, r := range records {
				found = found || r["msg"] == tt.want
			}
			if !found {
				t.Errorf("no %q record in\n%s%s", tt.want, out, errOut)
			}
		})
	}
}

func TestLogLines(t *testing.T) {
	var buf bytes.Buffer
	l := &logLines{log: newLogger("json", "info", &buf)}
	fmt.Fprint(l, "first line\nsecond ")
	fmt.Fprint(l, "line\n")
	recs := checkJSONLines(t, "log", buf.String())
	if len(recs) != 2 || recs[0]["line"] != "first line" || recs[1]["line"] != "second line" {
		t.Errorf("records = %v", recs)
	}
}
