//go:build integration

package integration

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sparkify/warehouse/internal/report"
)

// update rewrites the golden summaries of testdata/ from the run, as the
// plans' -update does:
//
//	go test -tags integration -count=1 -run 'TestConformance/.*/(LoadReport|ReportPeriod)' ./integration/ -update
//
// then review the diff of testdata/*.summary.json.
var update = flag.Bool("update", false, "rewrite the golden summaries testdata/*.summary.json from this run")

// written holds the golden files -update wrote in this run. A scenario that
// runs on every engine writes its file once, from the first engine (the
// engines table's order), and the others are compared with it, so that
// engines that disagree still fail.
var written sync.Map

// summaryNumbers are the fields of summary.json that assertSummary compares:
// every number. Left out: generated_at (the time of the run), charts
// (assertFiles checks them), report_period and loads (checked by the tests
// that set them up).
var summaryNumbers = []string{
	"schema_version", "empty", "period", "table_rows", "plays", "users", "days",
	"plays_by_hour", "plays_by_weekday_hour", "weekday_counts", "plays_by_weekday_hour_avg",
	"top_songs", "top_artists", "top_users",
}

// goldenSummary returns the summary in testdata/NAME.summary.json, which
// holds the fields keys of a summary.json. With -update it first writes the
// file from got (once per run: see written).
func goldenSummary(t *testing.T, name string, got report.Summary, keys ...string) report.Summary {
	t.Helper()
	path := filepath.Join("testdata", name+".summary.json")
	if *update {
		if _, done := written.LoadOrStore(path, true); !done {
			if err := os.WriteFile(path, summaryJSON(t, got, keys), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it, and review it)", err)
	}
	var want report.Summary
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return want
}

// summaryJSON is s as indented JSON with only the fields keys.
func summaryJSON(t *testing.T, s report.Summary, keys []string) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	kept := map[string]json.RawMessage{}
	for _, k := range keys {
		v, ok := all[k]
		if !ok {
			t.Fatalf("summary.json has no field %q", k)
		}
		kept[k] = v
	}
	out, err := json.MarshalIndent(kept, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
