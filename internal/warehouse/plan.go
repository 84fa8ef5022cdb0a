package warehouse

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

// Tables are the star tables, in the order the summary lists them.
var Tables = []string{"songplays", "users", "songs", "artists", "time"}

// Options select what a load plan does.
type Options struct {
	Target   Target
	SongData source.Location // the song files
	LogData  source.Location // the log files
	// SongManifest and LogManifest, when set, are s3:// URIs of COPY
	// manifests listing the objects to stage (Redshift). NoSongs and NoLogs
	// leave out a COPY that has no new object to read.
	SongManifest, LogManifest string
	NoSongs, NoLogs           bool
	// Redshift COPY settings.
	LogJSONPath string
	Region      string
	IAMRoleARN  string
	MaxErrors   int
}

// StepKind says how the runner executes a step.
type StepKind int

// Step kinds.
const (
	StepExec      StepKind = iota // run the statement, count its rows for Metric
	StepLock                      // run the statement, which may wait for another load
	StepMigration                 // run the file's statements when the schema is older than Version
	StepStage                     // fill a staging table from a source (the engine's way)
	StepCheck                     // a quality check: the query must return 0
	StepCount                     // count the rows of Table
)

// Step is one unit of a load plan.
type Step struct {
	Kind    StepKind
	Stmts   []sql.Statement // one, except for migrations
	Version int             // StepMigration
	Stage   *Stage          // StepStage; Stmts is the engine's statement, if any
	Table   string          // StepCount
	// OnStaged marks the transforms and checks: they work on the objects
	// the load replaces, and a load that replaces none skips them (the
	// warehouse cannot change, and it passed its checks when it was
	// written).
	OnStaged bool
	// Rebuild marks the statements that empty the star tables and their
	// records before a rebuild (sql/shared/rebuild); other loads skip them.
	Rebuild bool
}

// Name names the step in logs and run results: the staging table, or the
// SQL file and the statement's first line of code.
func (st Step) Name() string {
	switch {
	case st.Kind == StepStage && len(st.Stmts) == 0:
		return "stage " + st.Stage.Table
	case st.Kind == StepMigration:
		return fmt.Sprintf("migration %d (sql/%s)", st.Version, st.Stmts[0].File)
	}
	s := st.Stmts[0]
	first, _, _ := strings.Cut(sql.StripComments(s.SQL), "\n")
	if len(first) > 72 {
		first = first[:72] + "…"
	}
	return "sql/" + s.File + ": " + first
}

// Stage is a staging table filled from a source location: by the job
// itself (Decode, Columns and Store set), or by the database (the step's
// statement, such as Redshift's COPY).
type Stage struct {
	Table string
	// Option names the setting of Location (SONG_DATA, LOG_DATA), for
	// messages about the source.
	Option   string
	Columns  []string
	Location source.Location
	Store    source.Store // reads Location; set by the caller before Run
	Decode   source.DecodeFunc
}

// SQL is the statement the stage sends: a binary COPY from the client.
func (s *Stage) SQL() string {
	return fmt.Sprintf("COPY %s (%s) FROM STDIN (FORMAT binary)", s.Table, strings.Join(s.Columns, ", "))
}

// Plan is the ordered list of steps of one load, all run in one transaction.
type Plan struct {
	Target Target
	// Setup runs before the transaction, each statement on its own
	// (autocommit); it must be safe to repeat.
	Setup []sql.Statement
	Steps []Step
	// MaxErrors is SPARKIFY_MAX_ERRORS: the malformed records one load may
	// skip, over all its staging.
	MaxErrors int
	// ReadVersion reads the schema version; recordVersion records one.
	ReadVersion   sql.Statement
	recordVersion sql.Statement
	// LoadCommitted and LoadFailed write the load's row in sparkify_loads.
	LoadCommitted, LoadFailed sql.Statement
	// LastRows reads the row counts the last committed load recorded.
	LastRows sql.Statement
	// Ledger reads and writes sparkify_objects.
	Ledger LedgerStatements

	engine engine
	fsys   fs.FS   // the SQL files it was built from
	opts   Options // and the options
}

// RecordVersion is the statement that records an applied migration.
func (p *Plan) RecordVersion(v int) sql.Statement {
	s := p.recordVersion
	s.SQL = strings.ReplaceAll(s.SQL, "{{VERSION}}", strconv.Itoa(v))
	return s
}

// BuildPlan reads the SQL files for the target and returns the load plan.
func BuildPlan(fsys fs.FS, o Options) (*Plan, error) {
	e, err := newEngine(o.Target)
	if err != nil {
		return nil, err
	}
	p := &Plan{Target: o.Target, MaxErrors: o.MaxErrors, engine: e, fsys: fsys, opts: o}
	if err := p.readBookkeeping(fsys); err != nil {
		return nil, err
	}
	for _, add := range []func(fs.FS) error{p.addBegin, p.addMigrations, p.addStagingTables} {
		if err := add(fsys); err != nil {
			return nil, err
		}
	}
	if err := e.planStaging(fsys, p, o); err != nil {
		return nil, err
	}
	for _, add := range []func(fs.FS) error{p.addTransforms, p.addCounts} {
		if err := add(fsys); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// readBookkeeping reads the statements of the schema version, the loads'
// history and the ledger.
func (p *Plan) readBookkeeping(fsys fs.FS) error {
	version, err := named(fsys, "shared/bookkeeping/schema_version.sql", "read", "record")
	if err != nil {
		return err
	}
	p.ReadVersion, p.recordVersion = version[0], version[1]
	loads, err := named(fsys, "shared/bookkeeping/loads.sql", "committed", "failed")
	if err != nil {
		return err
	}
	p.LoadCommitted, p.LoadFailed = loads[0], loads[1]
	p.Ledger, err = readLedgerStatements(fsys)
	return err
}

// addBegin reads the dialect's setup (before the transaction, when it has
// one) and the statements that begin the load (begin.sql).
func (p *Plan) addBegin(fsys fs.FS) error {
	dialect := string(p.Target)
	if _, err := fs.Stat(fsys, path.Join(dialect, "setup.sql")); err == nil {
		if p.Setup, err = sql.ReadFile(fsys, path.Join(dialect, "setup.sql")); err != nil {
			return err
		}
	}
	begin, err := sql.ReadFile(fsys, path.Join(dialect, "begin.sql"))
	if err != nil {
		return err
	}
	for _, s := range begin {
		kind := StepExec
		if s.Lock {
			kind = StepLock
		}
		p.add(kind, s)
	}
	return nil
}

// addMigrations adds the schema migrations in version order: the
// dialect's own (<dialect>/schema) and those the same on every engine
// (shared/schema). A version is in one of the two.
func (p *Plan) addMigrations(fsys fs.FS) error {
	byVersion := map[int]string{}
	for _, dir := range []string{path.Join(string(p.Target), "schema"), "shared/schema"} {
		names, err := sql.Files(fsys, dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for _, name := range names {
			v, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
			if err != nil || v <= 0 {
				return fmt.Errorf("%s: a migration's name starts with its version number, such as 0001_", name)
			}
			if other, ok := byVersion[v]; ok {
				return fmt.Errorf("%s and %s: two migrations with version %d", other, name, v)
			}
			byVersion[v] = name
		}
	}
	for _, v := range slices.Sorted(maps.Keys(byVersion)) {
		stmts, err := sql.ReadFile(fsys, byVersion[v])
		if err != nil {
			return err
		}
		p.Steps = append(p.Steps, Step{Kind: StepMigration, Version: v, Stmts: stmts})
	}
	return nil
}

// addStagingTables adds the statements that create the staging tables.
func (p *Plan) addStagingTables(fsys fs.FS) error {
	staging, err := sql.ReadFile(fsys, path.Join(string(p.Target), "staging.sql"))
	if err != nil {
		return err
	}
	for _, s := range staging {
		p.add(StepExec, s)
	}
	return nil
}

// addTransforms adds the rebuild's statements, the shared transforms and
// the quality checks the engine runs.
func (p *Plan) addTransforms(fsys fs.FS) error {
	rebuild, err := sql.ReadDir(fsys, "shared/rebuild")
	if err != nil {
		return err
	}
	for _, s := range rebuild {
		p.Steps = append(p.Steps, Step{Kind: StepExec, Stmts: []sql.Statement{s}, OnStaged: true, Rebuild: true})
	}
	for _, dir := range []string{"shared/transform", "shared/checks"} {
		stmts, err := sql.ReadDir(fsys, dir)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			kind := StepExec
			if s.Check != "" {
				kind = StepCheck
				if !p.engine.runsCheck(s) {
					continue
				}
			}
			p.Steps = append(p.Steps, Step{Kind: kind, Stmts: []sql.Statement{s}, OnStaged: true})
		}
	}
	return nil
}

// addCounts adds the statements that count the star tables' rows.
func (p *Plan) addCounts(fsys fs.FS) error {
	counts, err := named(fsys, "shared/bookkeeping/row_counts.sql", append([]string{"last"}, Tables...)...)
	if err != nil {
		return err
	}
	p.LastRows, counts = counts[0], counts[1:]
	for i, t := range Tables {
		p.Steps = append(p.Steps, Step{Kind: StepCount, Table: t, Stmts: []sql.Statement{counts[i]}})
	}
	return nil
}

// MaxErrorClause is the MAXERROR value of a COPY when earlier COPYs of the
// same load rejected rejected rows. Redshift fails a COPY whose error count
// reaches MAXERROR, so skipping n records takes MAXERROR n+1; what earlier
// COPYs skipped is taken off, so that SPARKIFY_MAX_ERRORS bounds the whole
// load as it does on Postgres.
func (p *Plan) MaxErrorClause(rejected int64) string {
	return strconv.FormatInt(int64(p.MaxErrors)+1-rejected, 10)
}

// named reads a file's statements by their "-- name:" annotations, in the
// order of names; each name must be there.
func named(fsys fs.FS, file string, names ...string) ([]sql.Statement, error) {
	stmts, err := sql.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	out := make([]sql.Statement, len(names))
	for i, n := range names {
		found := false
		for _, s := range stmts {
			if s.Name == n {
				out[i], found = s, true
			}
		}
		if !found {
			return nil, fmt.Errorf("sql/%s: no statement annotated -- name: %s", file, n)
		}
	}
	return out, nil
}

// Stages returns the staging tables the job fills itself (those with a
// decoder), for the caller to give each its Store.
func (p *Plan) Stages() []*Stage {
	var out []*Stage
	for _, st := range p.Steps {
		if st.Kind == StepStage && st.Stage.Decode != nil {
			out = append(out, st.Stage)
		}
	}
	return out
}

func (p *Plan) add(kind StepKind, s sql.Statement) {
	p.Steps = append(p.Steps, Step{Kind: kind, Stmts: []sql.Statement{s}})
}

// Statements are every statement a load of the plan may send, in plan
// order, then the bookkeeping's: the setup, the steps, the engine's own
// bookkeeping, and the schema version's, the loads' history's and the
// ledger's. MAXERROR stands at its value for a load's first COPY; the
// ledger's {{ROWS}} and {{IDS}} lists are left for the caller.
func (p *Plan) Statements() []sql.Statement {
	out := slices.Clone(p.Setup)
	for _, st := range p.Steps {
		for _, s := range st.Stmts {
			s.SQL = strings.ReplaceAll(s.SQL, maxErrorPlaceholder, p.MaxErrorClause(0))
			out = append(out, s)
		}
	}
	out = append(out, p.engine.statements(p)...)
	l := p.Ledger
	return append(out, p.ReadVersion, p.RecordVersion(1), p.LoadCommitted, p.LoadFailed, p.LastRows,
		l.Read, l.URIs, l.Create, l.Add, l.Analyze, l.Forget, l.Record)
}

// SharedFiles lists the files under shared/ that the plan executes, in order.
func (p *Plan) SharedFiles() []string {
	var out []string
	seen := map[string]bool{}
	for _, st := range p.Steps {
		for _, s := range st.Stmts {
			if strings.HasPrefix(s.File, "shared/") && !seen[s.File] {
				seen[s.File] = true
				out = append(out, s.File)
			}
		}
	}
	return out
}

// Write prints every statement of the plan in execution order, as a SQL
// script with comments that say where each comes from.
func (p *Plan) Write(w io.Writer) error {
	var b strings.Builder
	file := ""
	for _, s := range p.Setup {
		if s.File != file {
			fmt.Fprintf(&b, "-- sql/%s (before the transaction)\n", s.File)
			file = s.File
		}
		b.WriteString(s.SQL + ";\n")
	}
	if len(p.Setup) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("BEGIN;\n")
	file = ""
	for _, st := range p.Steps {
		switch st.Kind {
		case StepMigration:
			fmt.Fprintf(&b, "\n-- migration %d (sql/%s), run only when the recorded schema version is below %d\n", st.Version, st.Stmts[0].File, st.Version)
			for _, s := range st.Stmts {
				b.WriteString(s.SQL + ";\n")
			}
			b.WriteString(sql.StripComments(p.RecordVersion(st.Version).SQL) + ";\n")
			file = ""
			continue
		case StepStage:
			p.engine.writeStage(&b, p, st)
			file = ""
			continue
		}
		s := st.Stmts[0]
		if s.File != file {
			fmt.Fprintf(&b, "\n-- sql/%s\n", s.File)
			file = s.File
		}
		b.WriteString(s.SQL + ";\n")
	}
	fmt.Fprintf(&b, "\n-- sql/%s (this load's row, with its counts as bind parameters)\n%s;\n", p.LoadCommitted.File, sql.StripComments(p.LoadCommitted.SQL))
	b.WriteString("\nCOMMIT;\n")
	_, err := io.WriteString(w, b.String())
	return err
}
