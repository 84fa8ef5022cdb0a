package warehouse

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

// postgresEngine is the reference engine: the job lists and decodes the
// sources itself and streams their rows into the staging tables with the
// binary COPY protocol, each row tagged with its object's lineage id, so
// that a load takes only new and changed objects.
type postgresEngine struct{}

func (postgresEngine) parseURL(databaseURL string) (*pgx.ConnConfig, error) {
	return pgx.ParseConfig(databaseURL)
}

func (postgresEngine) planStaging(_ fs.FS, p *Plan, o Options) error {
	p.Steps = append(p.Steps,
		Step{Kind: StepStage, Stage: &Stage{Table: "staging_songs", Option: "SONG_DATA", Columns: lineageColumns(source.SongColumns), Location: o.SongData, Decode: withObjectID(source.DecodeSongs)}},
		Step{Kind: StepStage, Stage: &Stage{Table: "staging_events", Option: "LOG_DATA", Columns: lineageColumns(source.EventColumns), Location: o.LogData, Decode: withObjectID(source.DecodeEvents)}},
	)
	return nil
}

// runsCheck skips the checks that the Postgres schema's constraints
// enforce (they could only return 0).
func (postgresEngine) runsCheck(s sql.Statement) bool { return len(s.Enforced) == 0 }

func (postgresEngine) writeStage(b *strings.Builder, _ *Plan, st Step) {
	fmt.Fprintf(b, "\n-- stage %s: rows decoded by the job from every .json object under %s\n%s;\n", st.Stage.Table, st.Stage.Location, st.Stage.SQL())
}

func (postgresEngine) statements(*Plan) []sql.Statement { return nil }

func (postgresEngine) copiesFromS3() bool { return false }

func (postgresEngine) stager(context.Context, Session, *Plan, *slog.Logger) (stager, error) {
	return postgresStager{}, nil
}

// openSources opens each stage's store and starts listing it in the
// background, while the job connects, reads the ledger and begins the
// transaction.
func (postgresEngine) openSources(ctx context.Context, src *Sources) error {
	stages := src.plan.Stages()
	if err := src.openStores(ctx, stages); err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(ctx)
	src.onClose(cancel)
	for _, st := range stages {
		st.Store = source.Prefetch(lctx, st.Store)
	}
	return nil
}

// selectObjects reads the ledger; the stages take what it lets them as
// they list (Ledger.Filter).
func (postgresEngine) selectObjects(ctx context.Context, src *Sources, s Session) (*Plan, error) {
	var err error
	src.Ledger, err = ReadLedger(ctx, s, src.plan, src.FullRefresh)
	return src.plan, err
}

// postgresStager runs the job's own staging (RunOptions.Stage) on the
// objects the ledger lets the load take, and then finds the objects the
// source lost.
type postgresStager struct{}

func (postgresStager) stage(ctx context.Context, r *runner, st Step) error {
	stage, l := st.Stage, r.o.Ledger
	if l != nil && stage.Store != nil {
		copied := *stage
		copied.Store = l.Filter(stage.Table, stage.Store)
		stage = &copied
	}
	stats, err := r.o.Stage(ctx, r.tx, stage)
	if err != nil {
		return err
	}
	if l != nil && !l.Rebuild() {
		if err := l.Deleted(ctx, r.tx, stage.Table, stage.Location, r.o.Deleted); err != nil {
			return err
		}
	}
	r.sum.Staged[st.Stage.Table] = stats
	r.log.Info("staged", "table", st.Stage.Table, "source", st.Stage.Location.String(), "objects", stats.Objects, "records", stats.Records)
	return nil
}

func (postgresStager) failed(_, _ context.Context, _ Session, err error) error { return err }

// lineageColumns are a staging table's columns followed by source_object,
// the lineage id of the object each row comes from.
func lineageColumns(cols []string) []string {
	return append(slices.Clip(cols), "source_object")
}

// withObjectID wraps a decoder so that every row it emits ends with the
// object's lineage id (ObjectID).
func withObjectID(decode source.DecodeFunc) source.DecodeFunc {
	return func(uri string, r io.Reader, emit func([]any) error, bad func(*source.RecordError) error) error {
		id := ObjectID(uri)
		return decode(uri, r, func(row []any) error { return emit(append(row, id)) }, bad)
	}
}
