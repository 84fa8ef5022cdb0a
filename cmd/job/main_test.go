package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunReadsTheEnvironment(t *testing.T) {
	t.Setenv("SPARKIFY_TARGET", "oracle")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-phase", "load", "-dry-run"}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), `SPARKIFY_TARGET: unknown target "oracle"`) {
		t.Errorf("exit %d, stderr %q; want 2 naming SPARKIFY_TARGET", code, errb.String())
	}
}

// TestHelpOnStdoutOnce: every spelling of the help flag prints the usage
// once, on stdout, and nothing on stderr.
func TestHelpOnStdoutOnce(t *testing.T) {
	for _, arg := range []string{"-help", "-h", "--help"} {
		t.Run(arg, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{arg}, &out, &errb)
			if code != 0 || errb.Len() != 0 {
				t.Errorf("exit %d, stderr %q; want 0 and nothing on stderr", code, errb.String())
			}
			if n := strings.Count(out.String(), "Usage: job -phase"); n != 1 {
				t.Errorf("stdout holds the usage %d times, want once:\n%s", n, out.String())
			}
		})
	}
}
