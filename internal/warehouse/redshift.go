package warehouse

import (
	"github.com/sparkify/warehouse/sql"

	"context"
	"fmt"
	"io/fs"
	"strconv"
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
	if o.MaxErrors < 0 {
		return nil, fmt.Errorf("MAXERROR must not be negative")
	}
	pairs = append(pairs, "{{MAX_ERRORS}}", strconv.Itoa(o.MaxErrors))
	r := strings.NewReplacer(pairs...)

	var out []sql.Statement
	for _, c := range []struct{ name, table string }{
		{"redshift/copy_songs.sql", "staging_songs"},
		{"redshift/copy_events.sql", "staging_events"},
	} {
		name := c.name
		stmts, err := sql.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		for _, s := range stmts {
			s.SQL = r.Replace(s.SQL)
			if strings.Contains(sql.StripComments(s.SQL), "{{") {
				return nil, fmt.Errorf("sql/%s: unknown placeholder left in %q", name, s.SQL)
			}
			s.Copy = c.table
			out = append(out, s)
		}
	}
	return out, nil
}

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
	Err     error
	Details []LoadError
	// DetailErr is set when the details could not be read.
	DetailErr error
}

func (e *CopyError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	switch {
	case len(e.Details) > 0:
		b.WriteString("\nrows rejected (from stl_load_errors):")
		for _, d := range e.Details {
			b.WriteString("\n  " + d.String())
		}
	case e.DetailErr != nil:
		b.WriteString("\n(could not read stl_load_errors: " + e.DetailErr.Error() + ")")
	}
	return b.String()
}

func (e *CopyError) Unwrap() error { return e.Err }

// copyDetails reads what Redshift recorded about the session's last COPY.
// It runs outside the (rolled back) load transaction.
func copyDetails(ctx context.Context, conn *pgx.Conn, query string, err error) error {
	ce := &CopyError{Err: err}
	rows, qerr := conn.Query(ctx, query)
	if qerr != nil {
		ce.DetailErr = qerr
		return ce
	}
	defer rows.Close()
	for rows.Next() {
		var d LoadError
		if err := rows.Scan(&d.File, &d.Line, &d.Column, &d.Code, &d.Reason, &d.Value); err != nil {
			ce.DetailErr = err
			return ce
		}
		ce.Details = append(ce.Details, d)
	}
	if err := rows.Err(); err != nil {
		ce.DetailErr = err
	}
	return ce
}
