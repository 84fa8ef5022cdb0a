package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/testkit/pushtest"
)

func TestPushMetrics(t *testing.T) {
	rec := &pushtest.Recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	end := time.Date(2018, 11, 3, 2, 0, 0, 0, time.UTC)
	res := &RunResult{Status: "succeeded", End: end, DurationMS: 12500, Phases: []PhaseResult{
		{Name: "load", Status: "succeeded", DurationMS: 12000}, {Name: "report", Status: "succeeded", DurationMS: 500},
	}, Load: &LoadResult{Skipped: 1, Tables: map[string]TableResult{"songplays": {Inserted: 8, Updated: 1, Rows: 8}}}}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	pushMetrics(context.Background(), srv.URL, res, log)

	failed := &RunResult{Status: "failed", ExitCode: 75, DurationMS: 3000, Phases: []PhaseResult{{Name: "load", Status: "failed", DurationMS: 3000}}}
	pushMetrics(context.Background(), srv.URL, failed, log)

	want := []pushtest.Push{
		{Method: "POST", Path: "/metrics/job/sparkify/phases/load,report", Metrics: []string{
			"sparkify_last_success_timestamp_seconds{} 1541210400",
			"sparkify_load_rows{kind=inserted,table=songplays} 8",
			"sparkify_load_rows{kind=total,table=songplays} 8",
			"sparkify_load_rows{kind=updated,table=songplays} 1",
			"sparkify_load_skipped_records{} 1",
			"sparkify_phase_duration_seconds{phase=load,status=succeeded} 12",
			"sparkify_phase_duration_seconds{phase=report,status=succeeded} 0.5",
			"sparkify_run_duration_seconds{} 12.5",
			"sparkify_run_exit_code{} 0",
			"sparkify_run_success{} 1",
		}},
		{Method: "POST", Path: "/metrics/job/sparkify/phases/load", Metrics: []string{
			"sparkify_phase_duration_seconds{phase=load,status=failed} 3",
			"sparkify_run_duration_seconds{} 3",
			"sparkify_run_exit_code{} 75",
			"sparkify_run_success{} 0",
		}},
	}
	if got := rec.Pushes(); !reflect.DeepEqual(got, want) {
		t.Errorf("pushes =\n%q\nwant\n%q", got, want)
	}

	// A Pushgateway that cannot be reached: a warning, and the run goes on.
	logs.Reset()
	pushMetrics(context.Background(), "http://127.0.0.1:1", res, log)
	if !strings.Contains(logs.String(), "could not push the run's metrics") {
		t.Errorf("no warning for a failed push: %s", logs.String())
	}
}
