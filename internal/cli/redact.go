package cli

import (
	"log/slog"
	"regexp"
	"strings"
)

// Secrets in URLs: a password in a URL's user info (any scheme:
// postgres://u:p@h, http://u:p@pushgateway), and query parameters that
// carry one (a DSN's password=, a presigned URL's signature and token).
var (
	urlPassword   = regexp.MustCompile(`(://[^/@\s:"]*):[^/@\s"]*@`)
	secretInQuery = regexp.MustCompile(`(?i)([?&](?:password|passwd|pwd|secret|token|x-amz-signature|x-amz-security-token|x-amz-credential)=)[^&\s"]*`)
)

// redactSecrets returns s with the secrets of every URL in it replaced by
// REDACTED.
func redactSecrets(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(s, "=") {
		return s
	}
	s = urlPassword.ReplaceAllString(s, "${1}:REDACTED@")
	return secretInQuery.ReplaceAllString(s, "${1}REDACTED")
}

// redactAttr is the loggers' ReplaceAttr: every string, error and
// Stringer value of every log line, the message included, goes out with
// its URLs' secrets redacted.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if r := redactSecrets(a.Value.String()); r != a.Value.String() {
			a.Value = slog.StringValue(r)
		}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case error:
			a.Value = slog.StringValue(redactSecrets(v.Error()))
		case interface{ String() string }:
			a.Value = slog.StringValue(redactSecrets(v.String()))
		}
	}
	return a
}
