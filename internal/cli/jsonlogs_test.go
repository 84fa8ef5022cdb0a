package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sparkify/warehouse/internal/testkit/jsontest"
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

// TestJSONLoggingWithoutStaticCredentials: a run that finds no static AWS
// credentials asks the instance metadata service; the SDK then logs that it
// falls back to IMDSv1. That message, too, is a JSON record of the run's
// logger, not a plain "SDK ... WARN" line.
func TestJSONLoggingWithoutStaticCredentials(t *testing.T) {
	var tokenRequests atomic.Int32
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			tokenRequests.Add(1)
			w.WriteHeader(http.StatusForbidden) // IMDSv2 refused: the SDK falls back to v1
			return
		}
		http.NotFound(w, r) // no role
	}))
	t.Cleanup(imds.Close)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1")
	t.Setenv("AWS_REGION", "us-east-1")
	code, out, errOut := run(t, map[string]string{
		"SPARKIFY_LOG_FORMAT":   "json",
		"SPARKIFY_DATABASE_URL": "postgres://u:p@127.0.0.1:1/db?connect_timeout=5",
		"SPARKIFY_SONG_DATA":    "s3://sparkify/song_data",
		"SPARKIFY_LOG_DATA":     "s3://sparkify/log_data",
	}, "-phase", "load")
	if code != ExitTransient {
		t.Fatalf("exit %d, want %d (the database refuses)\n%s", code, ExitTransient, errOut)
	}
	if tokenRequests.Load() == 0 {
		t.Fatal("the SDK did not ask the metadata service for a token: the test does not reach the fallback")
	}
	records := append(checkJSONLines(t, "stdout", out), checkJSONLines(t, "stderr", errOut)...)
	found := false
	for _, r := range records {
		msg, _ := r["msg"].(string)
		found = found || (strings.HasPrefix(msg, "falling back to IMDSv1") && r["level"] == "WARN" && r["source"] == "aws-sdk")
	}
	if !found {
		t.Errorf("no JSON record of the SDK's IMDSv1 fallback in\n%s%s", out, errOut)
	}
}
