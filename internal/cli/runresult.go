package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/sparkify/warehouse/internal/atomicfile"
	"github.com/sparkify/warehouse/internal/warehouse"
)

// RunResult is the machine-readable result of one run of the job, written
// to SPARKIFY_RUN_RESULT (and summed up in the log). Its keys are a
// contract: they are only ever added within a schema version.
type RunResult struct {
	SchemaVersion int           `json:"schema_version"`
	RunID         string        `json:"run_id"`
	JobVersion    string        `json:"job_version"`
	Target        string        `json:"target"`
	DryRun        bool          `json:"dry_run"`
	Status        string        `json:"status"` // running (until the run ends), succeeded or failed
	ExitCode      int           `json:"exit_code"`
	Start         time.Time     `json:"start"`
	End           time.Time     `json:"end"`
	DurationMS    int64         `json:"duration_ms"`
	Phases        []PhaseResult `json:"phases"`
	Load          *LoadResult   `json:"load,omitempty"`
	Error         *RunError     `json:"error,omitempty"`

	steps []warehouse.StepTiming // of the phase running now
}

// PhaseResult is one phase of a run.
type PhaseResult struct {
	Name       string       `json:"name"`
	Status     string       `json:"status"` // succeeded or failed
	Start      time.Time    `json:"start"`
	End        time.Time    `json:"end"`
	DurationMS int64        `json:"duration_ms"`
	Steps      []StepResult `json:"steps,omitempty"`
}

// StepResult is one step of a load, with how long it took.
type StepResult struct {
	Name       string `json:"name"`
	DurationMS int64  `json:"duration_ms"`
}

// LoadResult is what a committed load did.
type LoadResult struct {
	LoadID         string                  `json:"load_id"`
	SchemaVersion  int                     `json:"schema_version"`
	Staged         map[string]StagedResult `json:"staged"`
	Skipped        int64                   `json:"skipped_records"`
	SkippedSamples []string                `json:"skipped_samples,omitempty"`
	Tables         map[string]TableResult  `json:"tables"`
}

// StagedResult counts what one staging table received.
type StagedResult struct {
	Objects int64 `json:"objects"`
	Records int64 `json:"records"`
}

// TableResult counts the changes to one star table.
type TableResult struct {
	Inserted int64 `json:"inserted"`
	Updated  int64 `json:"updated"`
	Rows     int64 `json:"rows"`
}

// RunError is why a run failed: the class (configuration, usage,
// interrupted, transient, failed) goes with the exit code.
type RunError struct {
	Class   string `json:"class"`
	Message string `json:"message"`
}

// RunResultSchemaVersion is the version of RunResult's keys.
const RunResultSchemaVersion = 1

func newRunResult(version, target string, dryRun bool, start time.Time) *RunResult {
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	return &RunResult{
		SchemaVersion: RunResultSchemaVersion,
		RunID:         start.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(id),
		JobVersion:    version,
		Target:        target,
		DryRun:        dryRun,
		Start:         start.UTC(),
		Status:        "running",
		ExitCode:      -1,
		Phases:        []PhaseResult{},
	}
}

// phase records a finished phase, with the steps it reported.
func (r *RunResult) phase(name string, start time.Time, err error) {
	steps := r.steps
	r.steps = nil
	end := time.Now().UTC()
	p := PhaseResult{Name: name, Status: "succeeded", Start: start.UTC(), End: end, DurationMS: end.Sub(start).Milliseconds()}
	if err != nil {
		p.Status = "failed"
	}
	for _, s := range steps {
		p.Steps = append(p.Steps, StepResult{Name: s.Name, DurationMS: s.Duration.Milliseconds()})
	}
	r.Phases = append(r.Phases, p)
}

// finish closes the result with the run's outcome.
func (r *RunResult) finish(ctx context.Context, code int, err error) {
	r.End = time.Now().UTC()
	r.DurationMS = r.End.Sub(r.Start).Milliseconds()
	r.ExitCode, r.Status = code, "succeeded"
	if err != nil {
		class, _ := classify(ctx, err)
		r.Status, r.Error = "failed", &RunError{Class: class, Message: err.Error()}
	}
}

// write writes the result as JSON, atomically.
func (r *RunResult) write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}

// loadResult turns a load's summary into its part of the result.
func loadResult(id string, sum *warehouse.Summary, skipped int64, samples []string) *LoadResult {
	l := &LoadResult{LoadID: id, SchemaVersion: sum.SchemaVersion, Skipped: skipped, SkippedSamples: samples,
		Staged: map[string]StagedResult{}, Tables: map[string]TableResult{}}
	for t, s := range sum.Staged {
		l.Staged[t] = StagedResult{Objects: s.Objects, Records: s.Records}
	}
	for t, c := range sum.Tables {
		l.Tables[t] = TableResult{Inserted: c.Inserted, Updated: c.Updated, Rows: c.Rows}
	}
	return l
}
