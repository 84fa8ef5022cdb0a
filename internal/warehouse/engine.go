package warehouse

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/sql"
)

// Target is the warehouse engine a load runs against.
type Target string

// Targets.
const (
	Postgres Target = "postgres"
	Redshift Target = "redshift"
)

// Decode parses a target name (envconfig.Decoder).
func (t *Target) Decode(s string) error {
	if _, ok := engines[Target(s)]; ok {
		*t = Target(s)
		return nil
	}
	return fmt.Errorf("unknown target %q: use postgres or redshift", s)
}

// Targets lists the targets the job supports, sorted.
func Targets() []Target { return slices.Sorted(maps.Keys(engines)) }

// engines makes each target's engine, fresh for every plan: the one place
// a target name becomes code.
var engines = map[Target]func() engine{
	Postgres: func() engine { return &postgresEngine{} },
	Redshift: func() engine { return &redshiftEngine{} },
}

// engine is what differs between the databases a warehouse runs on. The
// shared SQL (sql/shared) and the runner are the same for all; an engine
// says how to connect, what its plan adds, how a load stages its sources
// and what it records about that. postgresEngine is the reference, and
// redshiftEngine differs from it in every one of these.
type engine interface {
	// parseURL parses a database URL with the connection settings the
	// engine needs.
	parseURL(databaseURL string) (*pgx.ConnConfig, error)
	// planStaging appends to p the steps that fill the staging tables.
	planStaging(fsys fs.FS, p *Plan, o Options) error
	// runsCheck reports whether the plan runs a quality check (an engine
	// whose schema enforces it skips it).
	runsCheck(s sql.Statement) bool
	// writeStage prints a staging step of the plan (Plan.Write).
	writeStage(b *strings.Builder, p *Plan, st Step)
	// statements are the statements of the engine's own bookkeeping
	// that the plan's steps do not list (Plan.Statements).
	statements(p *Plan) []sql.Statement
	// stager readies the load's staging, before its transaction begins.
	stager(ctx context.Context, s Session, p *Plan, log *slog.Logger) (stager, error)
	// selectObjects decides, once connected, which source objects the
	// load takes, and returns the plan that stages them (Sources.Select).
	selectObjects(ctx context.Context, src *Sources, s Session) (*Plan, error)
	// openSources readies the sources before the job connects (Sources.Open).
	openSources(ctx context.Context, src *Sources) error
	// copiesFromS3 reports whether the database reads the source objects
	// itself (CopiesFromS3).
	copiesFromS3() bool
}

// stager runs a load's StepStage steps in its transaction.
type stager interface {
	stage(ctx context.Context, r *runner, st Step) error
	// failed adds what the engine knows about a load that failed with
	// err, once its transaction is rolled back (rctx outlives ctx).
	failed(ctx, rctx context.Context, s Session, err error) error
}

// CopiesFromS3 reports whether the target's database reads the source
// objects from S3 itself (Redshift's COPY), so that a load needs a role
// the database assumes, the sources' region, and a place for manifests
// (SPARKIFY_STAGING_URI); otherwise the job reads them. An unknown target
// copies nothing.
func CopiesFromS3(t Target) bool {
	e, err := newEngine(t)
	return err == nil && e.copiesFromS3()
}

// newEngine returns the engine of a target.
func newEngine(t Target) (engine, error) {
	mk, ok := engines[t]
	if !ok {
		return nil, fmt.Errorf("unknown target %q", t)
	}
	return mk(), nil
}
