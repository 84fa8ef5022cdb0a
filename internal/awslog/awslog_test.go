package awslog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"
)

func TestLogf(t *testing.T) {
	tests := []struct {
		name  string
		class logging.Classification
		level string // "" when the record is below the logger's level
	}{
		{"warning", logging.Warn, "WARN"},
		{"debug below info", logging.Debug, ""},
		{"other", logging.Classification("TRACE"), "INFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			New(slog.New(slog.NewJSONHandler(&buf, nil))).Logf(tt.class, "falling back to IMDSv1: %v", "403")
			if tt.level == "" {
				if buf.Len() != 0 {
					t.Errorf("logged %q, want nothing", buf.String())
				}
				return
			}
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil || strings.Count(buf.String(), "\n") != 1 {
				t.Fatalf("%q is not one JSON record: %v", buf.String(), err)
			}
			if rec["level"] != tt.level || rec["msg"] != "falling back to IMDSv1: 403" || rec["source"] != "aws-sdk" {
				t.Errorf("record %v", rec)
			}
		})
	}
}

func TestRunLogger(t *testing.T) {
	var buf bytes.Buffer
	restore := Use(slog.New(slog.NewJSONHandler(&buf, nil)))
	New(nil).Logf(logging.Warn, "x")
	restore()
	New(nil).Logf(logging.Debug, "not to the run's logger")
	if got := strings.Count(buf.String(), "\n"); got != 1 || !strings.Contains(buf.String(), `"msg":"x","source":"aws-sdk"`) {
		t.Errorf("the run's logger got %q", buf.String())
	}
}
