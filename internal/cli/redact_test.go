package cli

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedactSecrets(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"pushgateway=http://ops:s3cr3t@push.example:9091/", "pushgateway=http://ops:REDACTED@push.example:9091/"},
		{"postgres://sparkify:p%40ss@db:5432/dev?sslmode=verify-full", "postgres://sparkify:REDACTED@db:5432/dev?sslmode=verify-full"},
		{"postgres://db:5432/dev?user=u&password=hunter2&sslmode=require", "postgres://db:5432/dev?user=u&password=REDACTED&sslmode=require"},
		{"https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc123", "https://b.s3.amazonaws.com/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED"},
		{"s3://bucket/prefix and postgres://user@db/x", "s3://bucket/prefix and postgres://user@db/x"},
		{"no url here", "no url here"},
	} {
		if got := redactSecrets(tt.in); got != tt.want {
			t.Errorf("redactSecrets(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLogLinesRedactSecrets: every value of every log line, in both
// formats, the message and errors included, has its URLs' secrets redacted.
func TestLogLinesRedactSecrets(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := newLogger(format, "info", &buf)
		u, _ := url.Parse("http://ops:s3cr3t@push.example:9091")
		log.Info("pushed to http://ops:s3cr3t@push.example:9091", "pushgateway", "http://ops:s3cr3t@push.example:9091",
			"url", u, "error", errors.New("dial postgres://u:s3cr3t@db/x: refused"))
		if out := buf.String(); strings.Contains(out, "s3cr3t") || !strings.Contains(out, "REDACTED") {
			t.Errorf("%s log line leaks a secret:\n%s", format, out)
		}
	}
}
