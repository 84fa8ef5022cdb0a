//go:build integration

package integration

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sparkify/warehouse/internal/testkit/jsontest"
)

// TestJSONLogsOfTheJobProcess runs the job's binary, as a container would,
// with SPARKIFY_LOG_FORMAT=json and no static AWS credentials, so that the
// SDK asks the instance metadata service (a fake here that refuses IMDSv2
// tokens and has no role: the SDK logs that it falls back to IMDSv1, then
// reads S3 unsigned): every line the process writes on stdout and stderr,
// for check, load and report, is one JSON object.
func TestJSONLogsOfTheJobProcess(t *testing.T) {
	fixtureStack(t, "postgres")
	var tokenRequests atomic.Int32
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			tokenRequests.Add(1)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(imds.Close)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
	t.Setenv("SPARKIFY_LOG_FORMAT", "json")
	t.Setenv("SPARKIFY_REPORT_DIR", filepath.Join(t.TempDir(), "report"))

	bin, err := jobBinary()
	if err != nil {
		t.Fatalf("build the job: %v", err)
	}
	cmd := exec.Command(bin, "-phase", "check,load,report")
	cmd.Env = os.Environ()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("job: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if tokenRequests.Load() == 0 {
		t.Fatal("the SDK did not ask the metadata service: the run had credentials")
	}
	var fallback bool
	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		records, err := jsontest.Lines(out)
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
		for _, r := range records {
			msg, _ := r["msg"].(string)
			fallback = fallback || (strings.HasPrefix(msg, "falling back to IMDSv1") && r["source"] == "aws-sdk")
		}
	}
	if !fallback {
		t.Errorf("no record of the SDK's fallback to IMDSv1:\n%s", stderr.String())
	}
}
