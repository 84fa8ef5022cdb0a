package warehouse

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/sparkify/warehouse/internal/source"
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
	switch Target(s) {
	case Postgres, Redshift:
		*t = Target(s)
		return nil
	}
	return fmt.Errorf("unknown target %q: use postgres or redshift", s)
}

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
	StepStage                     // stream a source into a staging table (binary COPY)
	StepCheck                     // a quality check: the query must return 0
	StepCount                     // count the rows of Table
)

// Step is one unit of a load plan.
type Step struct {
	Kind    StepKind
	Stmts   []sql.Statement // one, except for migrations
	Version int             // StepMigration
	Stage   *Stage          // StepStage
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
	switch st.Kind {
	case StepStage:
		return "stage " + st.Stage.Table
	case StepMigration:
		return fmt.Sprintf("migration %d (sql/%s)", st.Version, st.Stmts[0].File)
	}
	s := st.Stmts[0]
	first, _, _ := strings.Cut(sql.StripComments(s.SQL), "\n")
	if len(first) > 72 {
		first = first[:72] + "…"
	}
	return "sql/" + s.File + ": " + first
}

// Stage is a staging table filled by the job itself from a source location.
type Stage struct {
	Table    string
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
	// skip, over all its COPYs (Redshift).
	MaxErrors int
	// Provisioned and Serverless read Redshift's load bookkeeping from the
	// STL tables of a provisioned cluster or the SYS views of Redshift
	// Serverless (Redshift only).
	Provisioned, Serverless *LoadBookkeeping
	// Probe tells them apart: it fails where the STL tables do not exist.
	Probe sql.Statement
	// ReadVersion reads the schema version; recordVersion records one.
	ReadVersion   sql.Statement
	recordVersion sql.Statement
	// LoadCommitted and LoadFailed write the load's row in sparkify_loads.
	LoadCommitted, LoadFailed sql.Statement
	// LastRows reads the row counts the last committed load recorded.
	LastRows sql.Statement
	// Ledger reads and writes sparkify_source_objects.
	Ledger LedgerStatements
}

// RecordVersion is the statement that records an applied migration.
func (p *Plan) RecordVersion(v int) sql.Statement {
	s := p.recordVersion
	s.SQL = strings.ReplaceAll(s.SQL, "{{VERSION}}", strconv.Itoa(v))
	return s
}

// BuildPlan reads the SQL files for the target and returns the load plan.
func BuildPlan(fsys fs.FS, o Options) (*Plan, error) {
	if o.Target != Postgres && o.Target != Redshift {
		return nil, fmt.Errorf("unknown target %q", o.Target)
	}
	p := &Plan{Target: o.Target}
	dialect := string(o.Target)
	version, err := named(fsys, "shared/bookkeeping/schema_version.sql", "read", "record")
	if err != nil {
		return nil, err
	}
	p.ReadVersion, p.recordVersion = version[0], version[1]
	loads, err := named(fsys, "shared/bookkeeping/loads.sql", "committed", "failed")
	if err != nil {
		return nil, err
	}
	p.LoadCommitted, p.LoadFailed = loads[0], loads[1]
	if p.Ledger, err = readLedgerStatements(fsys); err != nil {
		return nil, err
	}
	if _, err := fs.Stat(fsys, path.Join(dialect, "setup.sql")); err == nil {
		if p.Setup, err = sql.ReadFile(fsys, path.Join(dialect, "setup.sql")); err != nil {
			return nil, err
		}
	}
	begin, err := sql.ReadFile(fsys, path.Join(dialect, "begin.sql"))
	if err != nil {
		return nil, err
	}
	for _, s := range begin {
		kind := StepExec
		if s.Lock {
			kind = StepLock
		}
		p.add(kind, s)
	}
	migrations, err := sql.Files(fsys, path.Join(dialect, "schema"))
	if err != nil {
		return nil, err
	}
	for _, name := range migrations {
		v, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s: a migration's name starts with its version number, such as 0001_", name)
		}
		stmts, err := sql.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		p.Steps = append(p.Steps, Step{Kind: StepMigration, Version: v, Stmts: stmts})
	}
	staging, err := sql.ReadFile(fsys, path.Join(dialect, "staging.sql"))
	if err != nil {
		return nil, err
	}
	for _, s := range staging {
		p.add(StepExec, s)
	}
	switch o.Target {
	case Postgres:
		p.Steps = append(p.Steps,
			Step{Kind: StepStage, Stage: &Stage{Table: "staging_songs", Columns: lineageColumns(source.SongColumns), Location: o.SongData, Decode: withObjectID(source.DecodeSongs)}},
			Step{Kind: StepStage, Stage: &Stage{Table: "staging_events", Columns: lineageColumns(source.EventColumns), Location: o.LogData, Decode: withObjectID(source.DecodeEvents)}},
		)
	case Redshift:
		copies, err := redshiftCopies(fsys, o)
		if err != nil {
			return nil, err
		}
		for _, s := range copies {
			p.add(StepExec, s)
		}
		p.MaxErrors = o.MaxErrors
		if p.Provisioned, err = readBookkeeping(fsys, "redshift"); err != nil {
			return nil, err
		}
		if p.Serverless, err = readBookkeeping(fsys, "redshift/serverless"); err != nil {
			return nil, err
		}
		probe, err := named(fsys, "redshift/copy_stats.sql", "probe")
		if err != nil {
			return nil, err
		}
		p.Probe = probe[0]
	}
	rebuild, err := sql.ReadDir(fsys, "shared/rebuild")
	if err != nil {
		return nil, err
	}
	for _, s := range rebuild {
		p.Steps = append(p.Steps, Step{Kind: StepExec, Stmts: []sql.Statement{s}, OnStaged: true, Rebuild: true})
	}
	for _, dir := range []string{"shared/transform", "shared/checks"} {
		stmts, err := sql.ReadDir(fsys, dir)
		if err != nil {
			return nil, err
		}
		for _, s := range stmts {
			kind := StepExec
			if s.Check != "" {
				kind = StepCheck
				if o.Target == Postgres && len(s.Enforced) > 0 {
					continue // the Postgres schema's constraints make it 0
				}
			}
			p.Steps = append(p.Steps, Step{Kind: kind, Stmts: []sql.Statement{s}, OnStaged: true})
		}
	}
	counts, err := named(fsys, "shared/bookkeeping/row_counts.sql", append([]string{"last"}, Tables...)...)
	if err != nil {
		return nil, err
	}
	p.LastRows, counts = counts[0], counts[1:]
	for i, t := range Tables {
		p.Steps = append(p.Steps, Step{Kind: StepCount, Table: t, Stmts: []sql.Statement{counts[i]}})
	}
	return p, nil
}

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

// LoadBookkeeping are the queries that read what Redshift recorded about the
// session's last COPY.
type LoadBookkeeping struct {
	// Start runs just before each COPY: the session's pid and the time.
	Start sql.Statement
	// CopyID, Rows, Files and Rejected run after a successful COPY: its
	// query id, the rows it loaded, the files it read, the rows it skipped.
	CopyID, Rows, Files, Rejected sql.Statement
	// LoadErrors reads the rows recorded for one COPY (file, line, column,
	// code, reason, value) by its session and start (Start) and the load's
	// previous COPY: after a COPY that skipped rows, and after the rollback
	// of one that failed.
	LoadErrors sql.Statement
}

func readBookkeeping(fsys fs.FS, dir string) (*LoadBookkeeping, error) {
	st, err := named(fsys, dir+"/copy_stats.sql", "start", "copy_id", "rows", "files", "rejected")
	if err != nil {
		return nil, err
	}
	le, err := sql.ReadFile(fsys, dir+"/load_errors.sql")
	if err != nil {
		return nil, err
	}
	return &LoadBookkeeping{Start: st[0], CopyID: st[1], Rows: st[2], Files: st[3], Rejected: st[4], LoadErrors: le[0]}, nil
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

// Stages returns the staging tables the job fills itself (Postgres target),
// for the caller to give each its Store.
func (p *Plan) Stages() []*Stage {
	var out []*Stage
	for _, st := range p.Steps {
		if st.Kind == StepStage {
			out = append(out, st.Stage)
		}
	}
	return out
}

func (p *Plan) add(kind StepKind, s sql.Statement) {
	p.Steps = append(p.Steps, Step{Kind: kind, Stmts: []sql.Statement{s}})
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
			fmt.Fprintf(&b, "\n-- stage %s: rows decoded by the job from every .json object under %s\n%s;\n", st.Stage.Table, st.Stage.Location, st.Stage.SQL())
			file = ""
			continue
		}
		s := st.Stmts[0]
		if s.File != file {
			fmt.Fprintf(&b, "\n-- sql/%s\n", s.File)
			file = s.File
		}
		if s.Copy == "" {
			b.WriteString(s.SQL + ";\n")
			continue
		}
		bk := p.Provisioned
		fmt.Fprintf(&b, "-- first, the session and the time (sql/%s):\n%s;\n", bk.Start.File, sql.StripComments(bk.Start.SQL))
		fmt.Fprintf(&b, "-- MAXERROR is SPARKIFY_MAX_ERRORS + 1 (%d), less the rows earlier COPYs of this load rejected\n", p.MaxErrors)
		b.WriteString(strings.ReplaceAll(s.SQL, maxErrorPlaceholder, p.MaxErrorClause(0)) + ";\n")
		fmt.Fprintf(&b, "-- then, for the run summary (sql/%s; Serverless: sql/%s):\n", bk.Rows.File, p.Serverless.Rows.File)
		for _, q := range []sql.Statement{bk.CopyID, bk.Rows, bk.Files, bk.Rejected} {
			b.WriteString(sql.StripComments(q.SQL) + ";\n")
		}
		fmt.Fprintf(&b, "-- and the rows it skipped, or, when the COPY fails, after the rollback (session, start time, previous COPY as bind parameters):\n-- %s;\n", strings.ReplaceAll(sql.StripComments(bk.LoadErrors.SQL), "\n", "\n-- "))
		file = ""
	}
	fmt.Fprintf(&b, "\n-- sql/%s (this load's row, with its counts as bind parameters)\n%s;\n", p.LoadCommitted.File, sql.StripComments(p.LoadCommitted.SQL))
	b.WriteString("\nCOMMIT;\n")
	_, err := io.WriteString(w, b.String())
	return err
}
