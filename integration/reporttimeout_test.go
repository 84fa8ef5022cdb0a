//go:build integration

package integration

import (
	"context"
	"strings"
	"testing"
)

// testReportTimeout: a report that waits for a lock another session holds
// on the tables it reads (a migration, a VACUUM, a stuck session) is cancelled
// after SPARKIFY_REPORT_TIMEOUT and exits 75, naming the variable, instead
// of waiting until the Job's deadline.
func testReportTimeout(t *testing.T, target string) {
	s := fixtureStack(t, target)
	mustLoad(t)
	other := s.Conn(t)
	ctx := context.Background()
	if _, err := other.Exec(ctx, "BEGIN; LOCK TABLE songplays, users, rollup_hours IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Exec(context.Background(), "ROLLBACK") })
	t.Setenv("SPARKIFY_REPORT_TIMEOUT", "1s")
	code, _, errOut := runJob(t, ctx, "-phase", "report")
	if code != 75 || !strings.Contains(errOut, "SPARKIFY_REPORT_TIMEOUT") {
		t.Fatalf("exit %d, want 75 naming SPARKIFY_REPORT_TIMEOUT:\n%s", code, errOut)
	}
	if _, err := other.Exec(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runJob(t, ctx, "-phase", "report"); code != 0 {
		t.Fatalf("report after the lock went: exit %d:\n%s", code, errOut)
	}
}
