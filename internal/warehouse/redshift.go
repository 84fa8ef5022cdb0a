package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/sql"
)

// redshiftEngine stages with Redshift's COPY, which reads the objects from
// S3 itself: the job lists the sources and writes a manifest of the
// objects a load takes (redshift_sources.go), and reads what Redshift
// recorded about each COPY (rows, files, rejected records) from its system
// tables. Its connection differs too (redshiftEngine.configure).
type redshiftEngine struct {
	// provisioned and serverless read Redshift's load bookkeeping from the
	// STL tables of a provisioned cluster or the SYS views of Redshift
	// Serverless; probe tells them apart: it fails where the STL tables
	// do not exist.
	provisioned, serverless *copyBookkeeping
	probe                   sql.Statement
}

// parseURL defaults to TLS with the server's certificate verified against
// the system roots (sslmode=verify-full) where the URL sets no sslmode; the
// roots of the certificate store hold the CAs that issue Redshift's
// certificates. Queries use the extended protocol with text results and no
// statement cache (pgx.QueryExecModeExec): Redshift reports neither
// standard_conforming_strings nor client_encoding UTF8, and pgx refuses
// every simple-protocol Query without them; the extended protocol depends
// on neither, and needs no type lookups. Exec without arguments still goes
// as a simple Query message, which is fine.
func (*redshiftEngine) parseURL(databaseURL string) (*pgx.ConnConfig, error) {
	if u, err := url.Parse(databaseURL); err == nil && u.Query().Get("sslmode") == "" {
		q := u.Query()
		q.Set("sslmode", "verify-full")
		u.RawQuery = q.Encode()
		databaseURL = u.String()
	}
	cc, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	cc.DefaultQueryExecMode = pgx.QueryExecModeExec
	return cc, nil
}

func (e *redshiftEngine) planStaging(fsys fs.FS, p *Plan, o Options) error {
	copies, err := redshiftCopies(fsys, o)
	if err != nil {
		return err
	}
	p.Steps = append(p.Steps, copies...)
	if e.provisioned, err = readBookkeeping(fsys, "redshift"); err != nil {
		return err
	}
	if e.serverless, err = readBookkeeping(fsys, "redshift/serverless"); err != nil {
		return err
	}
	probe, err := named(fsys, "redshift/copy_stats.sql", "probe")
	if err != nil {
		return err
	}
	e.probe = probe[0]
	return nil
}

func (*redshiftEngine) copiesFromS3() bool { return true }

// runsCheck runs every check: Redshift does not enforce PRIMARY KEY or
// UNIQUE.
func (*redshiftEngine) runsCheck(sql.Statement) bool { return true }

func (e *redshiftEngine) writeStage(b *strings.Builder, p *Plan, st Step) {
	s, bk := st.Stmts[0], e.provisioned
	fmt.Fprintf(b, "\n-- sql/%s\n", s.File)
	fmt.Fprintf(b, "-- first, the session and the time (sql/%s):\n%s;\n", bk.Start.File, sql.StripComments(bk.Start.SQL))
	fmt.Fprintf(b, "-- MAXERROR is SPARKIFY_MAX_ERRORS + 1 (%d), less the rows earlier COPYs of this load rejected\n", p.MaxErrors)
	b.WriteString(strings.ReplaceAll(s.SQL, maxErrorPlaceholder, p.MaxErrorClause(0)) + ";\n")
	fmt.Fprintf(b, "-- then, for the run summary (sql/%s; Serverless: sql/%s):\n", bk.Rows.File, e.serverless.Rows.File)
	for _, q := range []sql.Statement{bk.CopyID, bk.Rows, bk.Files, bk.Rejected} {
		b.WriteString(sql.StripComments(q.SQL) + ";\n")
	}
	fmt.Fprintf(b, "-- and the rows it skipped, or, when the COPY fails, after the rollback (session, start time, previous COPY as bind parameters):\n-- %s;\n", strings.ReplaceAll(sql.StripComments(bk.LoadErrors.SQL), "\n", "\n-- "))
}

func (e *redshiftEngine) statements(*Plan) []sql.Statement {
	out := []sql.Statement{e.probe}
	for _, bk := range []*copyBookkeeping{e.provisioned, e.serverless} {
		out = append(out, bk.Start, bk.CopyID, bk.Rows, bk.Files, bk.Rejected, bk.LoadErrors)
	}
	return out
}

// stager probes, before the load's transaction, which of Redshift's load
// records the warehouse has: the STL tables of a provisioned cluster, or
// only the SYS views of Redshift Serverless.
func (e *redshiftEngine) stager(ctx context.Context, s Session, p *Plan, log *slog.Logger) (stager, error) {
	ctx, cancel := context.WithTimeout(ctx, BookkeepingTimeout)
	defer cancel()
	_, err := s.Exec(ctx, e.probe.SQL)
	switch {
	case err == nil:
		return &copyStager{bk: e.provisioned, maxErrors: p.MaxErrors, lastCopy: -1}, nil
	case errors.Is(err, ErrUndefinedTable), errors.Is(err, ErrPermissionDenied):
		log.Info("no STL tables (Redshift Serverless): load counts and errors come from the SYS views", "error", err.Error())
		return &copyStager{bk: e.serverless, maxErrors: p.MaxErrors, lastCopy: -1}, nil
	}
	return nil, stmtError(e.probe, err)
}

// copyStager runs Redshift's COPYs and reads what Redshift counted for
// each: the rows and files it loaded, and the records it skipped within
// MAXERROR, which count against SPARKIFY_MAX_ERRORS.
type copyStager struct {
	bk         *copyBookkeeping
	maxErrors  int
	lastCopy   int64     // the query id of the load's last successful COPY
	started    copyStart // the session and time of the load's latest COPY
	failedCopy bool
}

func (c *copyStager) stage(ctx context.Context, r *runner, st Step) error {
	s := st.Stmts[0]
	s.SQL = strings.ReplaceAll(s.SQL, maxErrorPlaceholder, r.p.MaxErrorClause(r.sum.Rejected))
	var err error
	if c.started, err = readCopyStart(ctx, r.tx, c.bk, c.lastCopy); err != nil {
		return err
	}
	if _, err := r.tx.Exec(ctx, s.SQL); err != nil {
		c.failedCopy = true
		return stmtError(s, err)
	}
	r.sum.Executed = append(r.sum.Executed, s)
	before := r.sum.Rejected
	if c.lastCopy, err = copyStats(ctx, r.tx, c.bk, st.Stage.Table, r.sum); err != nil {
		return err
	}
	var details []LoadError
	if r.sum.Rejected > before {
		details = logSkipped(ctx, r.tx, c.bk, c.started, r.log)
	}
	// The job keeps the budget itself: MAXERROR's boundary ("n errors or
	// greater" or "more than n") is Redshift's to read, and either way no
	// more than MaxErrors records may be skipped.
	if skipped := r.sum.Rejected + r.malformed(); skipped > int64(r.p.MaxErrors) {
		return budgetError(r.p.MaxErrors, details)
	}
	return nil
}

// failed reads, after the rollback of a load whose COPY failed, what
// Redshift recorded about that COPY.
func (c *copyStager) failed(ctx, rctx context.Context, s Session, err error) error {
	if c.failedCopy && ctx.Err() == nil && !s.Closed() {
		return copyDetails(rctx, s, c.bk, c.maxErrors, c.started, err)
	}
	return err
}

// redshiftCopies returns the steps that stage the sources with COPY, with
// every configured value validated and quoted by Literal.
func redshiftCopies(fsys fs.FS, o Options) ([]Step, error) {
	values := []struct {
		placeholder, option string
		kind                LiteralKind
		value               string
	}{
		{"{{SONG_DATA}}", "SongData", S3URI, o.SongData.String()},
		{"{{LOG_DATA}}", "LogData", S3URI, o.LogData.String()},
		{"{{LOG_JSONPATH}}", "LogJSONPath", S3URI, o.LogJSONPath},
		{"{{IAM_ROLE_ARN}}", "IAMRoleARN", RoleARN, o.IAMRoleARN},
		{"{{SOURCE_REGION}}", "Region", Region, o.Region},
	}
	var pairs []string
	for _, v := range values {
		lit, err := Literal(v.option, v.kind, v.value)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, v.placeholder, lit)
	}
	// With manifests, each COPY reads exactly the objects the job listed
	// instead of every key under the prefix.
	for i, m := range []struct{ option, value string }{{"SongManifest", o.SongManifest}, {"LogManifest", o.LogManifest}} {
		if m.value == "" {
			continue
		}
		lit, err := Literal(m.option, S3URI, m.value)
		if err != nil {
			return nil, err
		}
		pairs[2*i+1] = lit + " MANIFEST"
	}
	if o.MaxErrors < 0 || o.MaxErrors >= maxErrorLimit {
		return nil, &ValueError{Option: "MaxErrors", Msg: fmt.Sprintf("%d is out of range for the redshift target: use 0 to %d (Redshift's MAXERROR is at most %d)", o.MaxErrors, maxErrorLimit-1, maxErrorLimit)}
	}
	r := strings.NewReplacer(pairs...)

	var out []Step
	for _, c := range []struct {
		name string
		st   Stage
		skip bool
	}{
		{"redshift/copy_songs.sql", Stage{Table: "staging_songs", Option: "SONG_DATA", Location: o.SongData}, o.NoSongs},
		{"redshift/copy_events.sql", Stage{Table: "staging_events", Option: "LOG_DATA", Location: o.LogData}, o.NoLogs},
	} {
		if c.skip {
			continue
		}
		stmts, err := sql.ReadFile(fsys, c.name)
		if err != nil {
			return nil, err
		}
		for _, s := range stmts {
			s.SQL = r.Replace(s.SQL)
			if strings.Contains(strings.ReplaceAll(sql.StripComments(s.SQL), maxErrorPlaceholder, ""), "{{") {
				return nil, fmt.Errorf("sql/%s: unknown placeholder left in %q", c.name, s.SQL)
			}
			stage := c.st
			out = append(out, Step{Kind: StepStage, Stmts: []sql.Statement{s}, Stage: &stage})
		}
	}
	return out, nil
}

// Manifest returns a COPY manifest that names exactly the given objects,
// each mandatory (loading-data-files-using-manifest.html).
func Manifest(uris []string) ([]byte, error) {
	type entry struct {
		URL       string `json:"url"`
		Mandatory bool   `json:"mandatory"`
	}
	m := struct {
		Entries []entry `json:"entries"`
	}{Entries: make([]entry, len(uris))}
	for i, u := range uris {
		m.Entries[i] = entry{URL: u, Mandatory: true}
	}
	return json.MarshalIndent(m, "", "  ")
}

// maxErrorPlaceholder stands in the COPY statements for MAXERROR's value,
// which the runner computes for each COPY (Plan.MaxErrorClause).
const maxErrorPlaceholder = "{{MAXERROR}}"

// maxErrorLimit is the largest MAXERROR Redshift accepts.
const maxErrorLimit = 100000

// LoadError is one row Redshift recorded for a failed COPY.
type LoadError struct {
	File   string
	Line   int64
	Column string
	Code   int32
	Reason string
	Value  string
}

func (e LoadError) String() string {
	return fmt.Sprintf("%s line %d, column %s: %s (error %d, value %q)", e.File, e.Line, e.Column, e.Reason, e.Code, e.Value)
}

// CopyError is a failed COPY with the rows Redshift recorded for it.
type CopyError struct {
	Err error
	// Source is the system table or view the details come from.
	Source  string
	Details []LoadError
	// NoRows means Redshift recorded no row for this COPY: it failed
	// before reading data (a missing file, access denied, a bad role).
	NoRows bool
	// DetailErr is set when the details could not be read.
	DetailErr error
	// MaxErrors is SPARKIFY_MAX_ERRORS: a COPY that failed on rejected
	// rows went over it.
	MaxErrors int
}

func (e *CopyError) Error() string {
	var b strings.Builder
	if len(e.Details) > 0 {
		// Only MAXERROR fails a COPY on the rows it rejects.
		fmt.Fprintf(&b, "more than %d malformed records (SPARKIFY_MAX_ERRORS=%d); fix the files or raise SPARKIFY_MAX_ERRORS to skip them: ", e.MaxErrors, e.MaxErrors)
	}
	b.WriteString(e.Err.Error())
	switch {
	case len(e.Details) > 0:
		b.WriteString("\nrows rejected (from " + e.Source + "):")
		for _, d := range e.Details {
			b.WriteString("\n  " + d.String())
		}
	case e.DetailErr != nil:
		b.WriteString("\n(could not read " + e.Source + ": " + e.DetailErr.Error() + ")")
	case e.NoRows:
		b.WriteString("\n(" + e.Source + " holds no row for this COPY: it failed before loading any data)")
	}
	return b.String()
}

func (e *CopyError) Unwrap() error { return e.Err }

// copyStart is what finds one COPY's rows in the load errors: the
// session, the time read just before the COPY, and the query id of the
// load's previous COPY (-1 for none).
type copyStart struct {
	pid   int64
	start string
	after int64
}

func (c copyStart) args() []any { return []any{c.pid, c.start, c.after} }

// readCopyStart reads the session and the time, just before a COPY.
func readCopyStart(ctx context.Context, tx Queries, bk *copyBookkeeping, after int64) (copyStart, error) {
	c := copyStart{after: after}
	if err := tx.QueryRow(ctx, bk.Start.SQL).Scan(&c.pid, &c.start); err != nil {
		return c, stmtError(bk.Start, err)
	}
	return c, nil
}

// copyDetails reads what Redshift recorded about the COPY that failed with
// err, by its session and start time (c). It runs outside the (rolled
// back) load transaction, where pg_last_copy_id() no longer names the
// failed COPY. No row means the COPY failed before it read any data.
func copyDetails(ctx context.Context, s Session, bk *copyBookkeeping, maxErrors int, c copyStart, err error) error {
	ce := &CopyError{Err: err, Source: tableIn(bk.LoadErrors.SQL), MaxErrors: maxErrors}
	ce.Details, ce.DetailErr = loadErrors(ctx, s, bk.LoadErrors, c.args()...)
	ce.NoRows = len(ce.Details) == 0 && ce.DetailErr == nil
	return ce
}

// loadErrors reads the rows Redshift recorded for one COPY.
func loadErrors(ctx context.Context, q Querier, s sql.Statement, args ...any) ([]LoadError, error) {
	rows, err := q.Query(ctx, s.SQL, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LoadError
	for rows.Next() {
		var e LoadError
		if err := rows.Scan(&e.File, &e.Line, &e.Column, &e.Code, &e.Reason, &e.Value); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// tableIn names the relation a query reads (its first FROM), for messages.
func tableIn(query string) string {
	f := strings.Fields(sql.StripComments(query))
	for i, w := range f {
		if strings.EqualFold(w, "FROM") && i+1 < len(f) {
			return f[i+1]
		}
	}
	return "the load error table"
}

// copyBookkeeping are the queries that read what Redshift recorded about the
// session's last COPY.
type copyBookkeeping struct {
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

func readBookkeeping(fsys fs.FS, dir string) (*copyBookkeeping, error) {
	st, err := named(fsys, dir+"/copy_stats.sql", "start", "copy_id", "rows", "files", "rejected")
	if err != nil {
		return nil, err
	}
	le, err := sql.ReadFile(fsys, dir+"/load_errors.sql")
	if err != nil {
		return nil, err
	}
	return &copyBookkeeping{Start: st[0], CopyID: st[1], Rows: st[2], Files: st[3], Rejected: st[4], LoadErrors: le[0]}, nil
}

// copyStats records what Redshift counted for the COPY that just ran and
// returns its query id.
func copyStats(ctx context.Context, tx Queries, bk *copyBookkeeping, table string, sum *Summary) (int64, error) {
	var id, rows, files, rejected int64
	for _, q := range []struct {
		s   sql.Statement
		dst *int64
	}{{bk.CopyID, &id}, {bk.Rows, &rows}, {bk.Files, &files}, {bk.Rejected, &rejected}} {
		if err := tx.QueryRow(ctx, q.s.SQL).Scan(q.dst); err != nil {
			return 0, stmtError(q.s, err)
		}
	}
	sum.Staged[table] = StageStats{Records: rows, Objects: files}
	sum.Rejected += rejected
	return id, nil
}

// logSkipped logs the rows Redshift skipped in the COPY that just ran
// (within MAXERROR), as the Postgres stager logs its malformed records,
// and returns them.
func logSkipped(ctx context.Context, tx Querier, bk *copyBookkeeping, c copyStart, log *slog.Logger) []LoadError {
	details, err := loadErrors(ctx, tx, bk.LoadErrors, c.args()...)
	if err != nil {
		log.Warn("could not read the skipped rows", "table", tableIn(bk.LoadErrors.SQL), "error", err)
	}
	for _, d := range details {
		log.Warn("skipped malformed record", "record", d.String())
	}
	return details
}

// budgetError is the error of a load that skipped more records than
// SPARKIFY_MAX_ERRORS allows: the Postgres stager's, with the rows
// Redshift recorded as samples.
func budgetError(maxErrors int, details []LoadError) error {
	e := &source.TooManyErrors{Max: maxErrors}
	for _, d := range details {
		e.Samples = append(e.Samples, &source.RecordError{URI: d.File, Line: int(d.Line),
			Err: fmt.Errorf("column %s: %s (error %d, value %q)", d.Column, d.Reason, d.Code, d.Value)})
	}
	return e
}
