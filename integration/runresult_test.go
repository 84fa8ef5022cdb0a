//go:build integration

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/cli"
	"github.com/sparkify/warehouse/internal/testkit/jsontest"
	"github.com/sparkify/warehouse/internal/testkit/pushtest"
)

// testRunResultAndLoadHistory runs load,report with JSON logs and a run
// result file, then a load that fails: every log line is JSON with unique
// keys, the run results hold the exact counts and the failure's class, and
// sparkify_loads holds the committed load and the failed one's trace.
func testRunResultAndLoadHistory(t *testing.T, target string) {
	s := fixtureStack(t, target)
	resultFile := filepath.Join(t.TempDir(), "result.json")
	t.Setenv("SPARKIFY_RUN_RESULT", resultFile)
	t.Setenv("SPARKIFY_LOG_FORMAT", "json")
	gateway := &pushtest.Recorder{}
	srv := httptest.NewServer(gateway)
	t.Cleanup(srv.Close)
	t.Setenv("SPARKIFY_PUSHGATEWAY_URL", srv.URL)
	code, out, errOut := runJob(t, context.Background(), "-phase", "load,report")
	if code != 0 {
		t.Fatalf("load,report exited %d:\n%s", code, errOut)
	}
	for what, text := range map[string]string{"stdout": out, "stderr": errOut} {
		if _, err := jsontest.Lines(text); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	first := readRunResult(t, resultFile)
	if first.Status != "succeeded" || first.ExitCode != 0 || first.Error != nil || len(first.Phases) != 2 ||
		first.Phases[0].Name != "load" || first.Phases[1].Name != "report" || len(first.Phases[0].Steps) == 0 {
		t.Errorf("run result = %+v", first)
	}
	wantLoad := &cli.LoadResult{
		LoadID: first.RunID, SchemaVersion: first.Load.SchemaVersion, Skipped: 1,
		Staged: map[string]cli.StagedResult{"staging_songs": {Objects: 6, Records: 6}, "staging_events": {Objects: 2, Records: 14}},
		Tables: map[string]cli.TableResult{
			"songplays": {Inserted: 8, Rows: 8}, "users": {Inserted: 5, Rows: 5}, "songs": {Inserted: 6, Rows: 6},
			"artists": {Inserted: 5, Rows: 5}, "time": {Inserted: 7, Rows: 7},
		},
		SkippedSamples: first.Load.SkippedSamples,
	}
	if !reflect.DeepEqual(first.Load, wantLoad) {
		t.Errorf("load result = %+v\nwant %+v", first.Load, wantLoad)
	}

	pushes := gateway.Pushes()
	if len(pushes) != 1 || pushes[0].Path != "/metrics/job/sparkify/phases/load,report" {
		t.Fatalf("pushes = %+v, want one to the load,report group", pushes)
	}
	var pushed []string
	for _, m := range pushes[0].Metrics {
		if strings.HasPrefix(m, "sparkify_load_") || strings.HasPrefix(m, "sparkify_run_success") || strings.HasPrefix(m, "sparkify_run_exit_code") {
			pushed = append(pushed, m)
		}
	}
	wantRows := []string{
		"sparkify_load_rows{kind=inserted,table=artists} 5", "sparkify_load_rows{kind=inserted,table=songplays} 8",
		"sparkify_load_rows{kind=inserted,table=songs} 6", "sparkify_load_rows{kind=inserted,table=time} 7",
		"sparkify_load_rows{kind=inserted,table=users} 5",
		"sparkify_load_rows{kind=total,table=artists} 5", "sparkify_load_rows{kind=total,table=songplays} 8",
		"sparkify_load_rows{kind=total,table=songs} 6", "sparkify_load_rows{kind=total,table=time} 7",
		"sparkify_load_rows{kind=total,table=users} 5",
		"sparkify_load_rows{kind=updated,table=artists} 0", "sparkify_load_rows{kind=updated,table=songplays} 0",
		"sparkify_load_rows{kind=updated,table=songs} 0", "sparkify_load_rows{kind=updated,table=time} 0",
		"sparkify_load_rows{kind=updated,table=users} 0",
		"sparkify_load_skipped_records{} 1", "sparkify_run_exit_code{} 0", "sparkify_run_success{} 1",
	}
	if !reflect.DeepEqual(pushed, wantRows) {
		t.Errorf("pushed load metrics =\n  %s\nwant\n  %s", strings.Join(pushed, "\n  "), strings.Join(wantRows, "\n  "))
	}
	wantSuccess := fmt.Sprintf("sparkify_last_success_timestamp_seconds{} %d", first.End.Unix())
	if !slices.Contains(pushes[0].Metrics, wantSuccess) {
		t.Errorf("pushed metrics lack %q: %q", wantSuccess, pushes[0].Metrics)
	}

	t.Setenv("SPARKIFY_MAX_ERRORS", "0")
	t.Setenv("SPARKIFY_FULL_REFRESH", "true") // stage the malformed record again
	if code, _, errOut := runJob(t, context.Background(), "-phase", "load"); code != 1 {
		t.Fatalf("load with MAX_ERRORS=0 exited %d, want 1:\n%s", code, errOut)
	}
	second := readRunResult(t, resultFile)
	if second.Status != "failed" || second.ExitCode != 1 || second.Error == nil || second.Error.Class != "failed" || second.Load != nil {
		t.Errorf("failed run's result = %+v (error %+v)", second, second.Error)
	}

	// The report says the night's load failed and as of which load its
	// data is.
	if code, _, errOut := runJob(t, context.Background(), "-phase", "report"); code != 0 {
		t.Fatalf("report exited %d:\n%s", code, errOut)
	}
	dir := os.Getenv("SPARKIFY_REPORT_DIR")
	sum := readSummary(t, dir)
	wantWarning := "The last load (" + second.RunID + ", "
	if sum.Loads == nil || sum.Loads.LastCommitted == nil || sum.Loads.LastCommitted.ID != first.RunID ||
		len(sum.Loads.Warnings) != 1 || !strings.HasPrefix(sum.Loads.Warnings[0], wantWarning) || !strings.HasSuffix(sum.Loads.Warnings[0], "failed (failed): the data below predates it.") {
		t.Errorf("loads = %+v, want one warning starting %q", sum.Loads, wantWarning)
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil || !strings.Contains(string(page), `id="stale"`) || !strings.Contains(string(page), "Data as of the load "+first.RunID) {
		t.Errorf("the page does not show the failed load and the data's load (%v)", err)
	}

	rows, err := s.Conn(t).Query(context.Background(),
		"SELECT load_id, status, objects, records, skipped, songplays_inserted, users_inserted, time_inserted, error_class FROM sparkify_loads ORDER BY started_at")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		var cells []string
		for _, v := range vals {
			b, _ := json.Marshal(v)
			cells = append(cells, string(b))
		}
		got = append(got, strings.Join(cells, "|"))
	}
	want := []string{
		`"` + first.RunID + `"|"committed"|8|20|1|8|5|7|null`,
		`"` + second.RunID + `"|"failed"|null|null|null|null|null|null|"failed"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sparkify_loads =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func readRunResult(t *testing.T, path string) cli.RunResult {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r cli.RunResult
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("run result %s: %v", path, err)
	}
	return r
}

// TestRunResultSaysRunningUntilTheRunEnds: the run result is written as
// "running" before any work and replaced when the run ends, so a run killed
// on the way (SIGKILL, the OOM killer) never leaves an earlier run's
// "succeeded" in place.
func TestRunResultSaysRunningUntilTheRunEnds(t *testing.T) {
	s, proxy, _ := faultStack(t)
	file := filepath.Join(t.TempDir(), "run.json")
	if err := os.WriteFile(file, []byte(`{"status":"succeeded","exit_code":0}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SPARKIFY_RUN_RESULT", file)
	h := holdLoad(t, s, proxy, "transforms")
	wait := startLoad(t, context.Background())
	h.await()
	var mid struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mid); err != nil {
		t.Fatal(err)
	}
	h.release()
	r := wait()
	if mid.Status != "running" || mid.ExitCode != -1 {
		t.Errorf("run result during the run = %+v, want status running, exit_code -1", mid)
	}
	if r.code != 0 {
		t.Fatalf("load exited %d:\n%s", r.code, r.stderr)
	}
	b, err = os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var end struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
	}
	if err := json.Unmarshal(b, &end); err != nil || end.Status != "succeeded" || end.ExitCode != 0 {
		t.Errorf("run result after the run = %+v (%v), want succeeded, 0", end, err)
	}
}
