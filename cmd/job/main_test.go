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
