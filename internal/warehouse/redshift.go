package warehouse

import (
	"github.com/sparkify/warehouse/sql"

	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"
)

// redshiftCopies returns the COPY statements that stage the sources, with
// every configured value validated and quoted by Literal.
func redshiftCopies(fsys fs.FS, o Options) ([]sql.Statement, error) {
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

	var out []sql.Statement
	for _, c := range []struct {
		name, table string
		skip        bool
	}{
		{"redshift/copy_songs.sql", "staging_songs", o.NoSongs},
		{"redshift/copy_events.sql", "staging_events", o.NoLogs},
	} {
		if c.skip {
			continue
		}
		name := c.name
		stmts, err := sql.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		for _, s := range stmts {
			s.SQL = r.Replace(s.SQL)
			if strings.Contains(strings.ReplaceAll(sql.StripComments(s.SQL), maxErrorPlaceholder, ""), "{{") {
				return nil, fmt.Errorf("sql/%s: unknown placeholder left in %q", name, s.SQL)
			}
			s.Copy = c.table
			out = append(out, s)
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
func readCopyStart(ctx context.Context, tx pgx.Tx, bk *LoadBookkeeping, after int64) (copyStart, error) {
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
func copyDetails(ctx context.Context, conn *pgx.Conn, bk *LoadBookkeeping, maxErrors int, c copyStart, err error) error {
	ce := &CopyError{Err: err, Source: tableIn(bk.LoadErrors.SQL), MaxErrors: maxErrors}
	ce.Details, ce.DetailErr = loadErrors(ctx, conn, bk.LoadErrors, c.args()...)
	ce.NoRows = len(ce.Details) == 0 && ce.DetailErr == nil
	return ce
}

// loadErrors reads the rows Redshift recorded for one COPY.
func loadErrors(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, s sql.Statement, args ...any) ([]LoadError, error) {
	rows, err := q.Query(ctx, s.SQL, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[LoadError])
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
