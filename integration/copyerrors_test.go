//go:build integration

package integration

import (
	"context"
	"strings"
	"testing"
)

// TestLoadFailedCopyShowsItsRows: when a COPY fails on its data, the job
// shows the rows Redshift recorded for it, found after the rollback by
// the session and the COPY's start time: the rolled-back COPY does not
// update pg_last_copy_id(), which still names the load's previous (song)
// COPY. On a provisioned cluster (STL_LOAD_ERRORS) and on Serverless
// (SYS_LOAD_ERROR_DETAIL).
func TestLoadFailedCopyShowsItsRows(t *testing.T) {
	forTargets(t, []string{"redshift", "redshift-serverless"}, func(t *testing.T, target string) {
		s := fixtureStack(t, target)
		t.Setenv("SPARKIFY_MAX_ERRORS", "0")
		code, _, errOut := runJob(t, context.Background(), "-phase", "load")
		if code != 1 {
			t.Fatalf("load exited %d, want 1:\n%s", code, errOut)
		}
		source := "stl_load_errors"
		if target == "redshift-serverless" {
			source = "sys_load_error_detail"
		}
		for _, want := range []string{
			"Load into table 'staging_events' failed",
			"rows rejected (from " + source + "):",
			malformedRecord(s, target),
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
		if strings.Contains(errOut, "holds no row for this COPY") {
			t.Errorf("the job found no rows for the failed COPY:\n%s", errOut)
		}
	})
}
