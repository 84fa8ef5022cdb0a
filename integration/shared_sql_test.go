//go:build integration

package integration

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
	"github.com/sparkify/warehouse/sql"
)

// TestPostgresExecutesTheRedshiftPlansSharedSQL runs a load on Postgres and
// checks that the shared statements it executed are exactly the ones the
// Redshift plan lists, in the same order, but for the checks the Postgres
// schema's constraints enforce: the transforms and checks that will run on
// a cluster are the ones this suite has proven (the Redshift emulator's
// tests run those checks too).
func TestPostgresExecutesTheRedshiftPlansSharedSQL(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	abs, err := filepath.Abs(fixture)
	if err != nil {
		t.Fatal(err)
	}
	songs := source.Location{Scheme: "file", Path: filepath.Join(abs, "song_data")}
	logs := source.Location{Scheme: "file", Path: filepath.Join(abs, "log_data/2018/11/2018-11-01")}
	opts := warehouse.Options{
		SongData:    songs,
		LogData:     logs,
		LogJSONPath: "s3://udacity-dend/log_json_path.json",
		Region:      "us-west-2",
		IAMRoleARN:  "arn:aws:iam::123456789012:role/sparkify-redshift-s3-read",
	}
	opts.Target = warehouse.Postgres
	pgPlan, err := warehouse.BuildPlan(sql.FS(), opts)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := warehouse.Connect(ctx, warehouse.Postgres, s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	for _, st := range pgPlan.Stages() {
		if st.Store, err = source.Open(st.Location, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := warehouse.Run(ctx, warehouse.NewSession(conn), pgPlan, warehouse.RunOptions{LockTimeout: time.Minute, Stage: warehouse.CopyStager(4, source.NewErrors(0), slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Tables["songplays"].Rows != 5 {
		t.Fatalf("songplays rows = %d, want 5 (day 1)", sum.Tables["songplays"].Rows)
	}

	opts.Target = warehouse.Redshift
	opts.SongData = source.Location{Scheme: "s3", Bucket: "udacity-dend", Path: "song_data"}
	opts.LogData = source.Location{Scheme: "s3", Bucket: "udacity-dend", Path: "log_data"}
	rsPlan, err := warehouse.BuildPlan(sql.FS(), opts)
	if err != nil {
		t.Fatal(err)
	}
	var executed, planned []sql.Statement
	for _, st := range sum.Executed {
		if strings.HasPrefix(st.File, "shared/") {
			executed = append(executed, st)
		}
	}
	for _, step := range rsPlan.Steps {
		for _, st := range step.Stmts {
			// Postgres leaves out the checks its constraints enforce
			// (TestConstraintsStandForChecksOnPostgres).
			if strings.HasPrefix(st.File, "shared/") && (st.Check == "" || len(st.Enforced) == 0) {
				planned = append(planned, st)
			}
		}
	}
	if len(planned) == 0 || !reflect.DeepEqual(executed, planned) {
		t.Fatalf("Postgres executed %d shared statements, the Redshift plan lists %d; they differ", len(executed), len(planned))
	}
}
