package redshiftemu

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

const timeoutShort = 30 * time.Second

// bookkeepingDDL creates the relations that stand in for Redshift's system
// tables and views, in every database the emulator serves:
//   - STL_LOAD_COMMITS (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_COMMITS.html)
//   - STL_LOAD_ERRORS (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html)
//   - SYS_LOAD_HISTORY (https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_HISTORY.html)
//   - SYS_LOAD_ERROR_DETAIL (https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_ERROR_DETAIL.html)
//   - PG_LAST_COPY_COUNT() and PG_LAST_COPY_ID() (PG_LAST_COPY_COUNT.html,
//     PG_LAST_COPY_ID.html), backed by a table keyed by backend pid and
//     backend start time, written through the autocommit side connection:
//     the values survive the client's rollback.
//
// stl_* live in their own schema, which is on the search path of
// provisioned sessions only: with Serverless they do not exist for the
// client (Redshift Serverless has the SYS views only,
// https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-monitoring.html).
const bookkeepingDDL = `
BEGIN;
SELECT pg_advisory_xact_lock(7390021, 1);
CREATE SCHEMA IF NOT EXISTS redshift_emu;
CREATE SCHEMA IF NOT EXISTS redshift_emu_stl;
CREATE SEQUENCE IF NOT EXISTS redshift_emu.query_id_seq START 1000;
CREATE TABLE IF NOT EXISTS redshift_emu.session_copy (
	pid int PRIMARY KEY,
	backend_start timestamptz,
	last_count bigint NOT NULL,
	last_id int NOT NULL
);
CREATE OR REPLACE FUNCTION redshift_emu.pg_last_copy_count() RETURNS bigint LANGUAGE sql STABLE AS $f$
	SELECT coalesce((SELECT c.last_count FROM redshift_emu.session_copy c
		WHERE c.pid = pg_backend_pid()
		AND c.backend_start IS NOT DISTINCT FROM (SELECT a.backend_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid())), 0)
$f$;
CREATE OR REPLACE FUNCTION redshift_emu.pg_last_copy_id() RETURNS int LANGUAGE sql STABLE AS $f$
	SELECT coalesce((SELECT c.last_id FROM redshift_emu.session_copy c
		WHERE c.pid = pg_backend_pid()
		AND c.backend_start IS NOT DISTINCT FROM (SELECT a.backend_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid())), -1)
$f$;
CREATE TABLE IF NOT EXISTS redshift_emu.sys_load_history (
	user_id int,
	query_id bigint,
	transaction_id bigint,
	session_id int,
	database_name text,
	status text,
	table_name text,
	start_time timestamp,
	end_time timestamp,
	duration bigint,
	data_source text,
	file_format text,
	loaded_rows bigint,
	loaded_bytes bigint,
	source_file_count int,
	source_file_bytes bigint,
	file_count_scanned int,
	file_bytes_scanned bigint,
	error_count bigint,
	copy_job_id bigint
);
CREATE TABLE IF NOT EXISTS redshift_emu.sys_load_error_detail (
	user_id int,
	query_id bigint,
	transaction_id bigint,
	session_id int,
	database_name char(64),
	table_id int,
	start_time timestamp,
	file_name char(256),
	line_number bigint,
	column_name char(127),
	column_type char(10),
	column_length char(10),
	position int,
	error_code int,
	error_message char(512),
	raw_line char(1024),
	raw_field_value char(1024),
	record_time timestamp
);
CREATE TABLE IF NOT EXISTS redshift_emu_stl.stl_load_commits (
	userid int,
	query int,
	slice int,
	name char(256),
	filename char(256),
	byte_offset int,
	lines_scanned int,
	errors int,
	curtime timestamp,
	status int
);
CREATE TABLE IF NOT EXISTS redshift_emu_stl.stl_load_errors (
	userid int,
	slice int,
	tbl int,
	starttime timestamp,
	session int,
	query int,
	filename char(256),
	line_number bigint,
	colname char(127),
	type char(10),
	col_length char(10),
	position int,
	raw_line char(1024),
	raw_field_value char(1024),
	err_code int,
	err_reason char(100),
	is_partial int,
	start_offset bigint
);
GRANT USAGE ON SCHEMA redshift_emu, redshift_emu_stl TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA redshift_emu, redshift_emu_stl TO PUBLIC;
COMMIT;
`

// informationalKeysDDL makes PRIMARY KEY and UNIQUE constraints
// informational, as on Redshift: "Unique, primary key, and foreign key
// constraints are permitted, but they are informational only. They are not
// enforced by the system"
// (https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-features.html,
// https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html).
// An event trigger clears indisunique on the index behind each key that a
// CREATE TABLE or ALTER TABLE declares: the constraint stays in the catalog
// (pg_constraint, information_schema.table_constraints), duplicates are
// accepted, and the planner no longer counts on uniqueness. NOT NULL is
// enforced, as on Redshift. The emulator's own schemas keep their keys.
const informationalKeysDDL = `
BEGIN;
SELECT pg_advisory_xact_lock(7390021, 2);
CREATE OR REPLACE FUNCTION redshift_emu.informational_keys() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
	UPDATE pg_catalog.pg_index i SET indisunique = false
	FROM pg_catalog.pg_constraint c
	WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u') AND i.indisunique
	AND c.conrelid IN (SELECT d.objid FROM pg_catalog.pg_event_trigger_ddl_commands() d
		WHERE d.classid = 'pg_catalog.pg_class'::regclass
		AND d.schema_name NOT IN ('redshift_emu', 'redshift_emu_stl'));
END
$f$;
DO $f$BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger WHERE evtname = 'redshift_emu_informational_keys') THEN
		CREATE EVENT TRIGGER redshift_emu_informational_keys ON ddl_command_end
			WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION redshift_emu.informational_keys();
	END IF;
END$f$;
COMMIT;
`

// ensureDB creates the bookkeeping relations of a database once per
// process (an advisory lock also serialises concurrent emulators).
func (s *Server) ensureDB(ctx context.Context, cfg *pgconn.Config, database string) error {
	s.mu.Lock()
	st := s.dbs[database]
	if st == nil {
		st = &dbState{}
		s.dbs[database] = st
	}
	s.mu.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ready {
		return nil
	}
	c, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, bookkeepingDDL).ReadAll(); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, informationalKeysDDL).ReadAll(); err != nil {
		// Event triggers need a superuser: without one, keys stay enforced.
		s.log.Warn("declared keys will be enforced: the backend user cannot create the event trigger that makes them informational", "database", database, "err", err)
	}
	st.ready = true
	return nil
}

// sideConn returns the session's autocommit connection for bookkeeping
// rows, opening it on first use.
func (s *session) sideConn(ctx context.Context) (*pgconn.PgConn, error) {
	if s.side != nil && !s.side.IsClosed() {
		return s.side, nil
	}
	cfg := s.bcfg.Copy()
	cfg.RuntimeParams = map[string]string{"application_name": "redshiftemu-bookkeeping"}
	c, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.side = c
	return c, nil
}

// copyRowsText renders rows in COPY text format.
func copyRowsText(rows [][]*string) string {
	var b strings.Builder
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			if v == nil {
				b.WriteString(`\N`)
				continue
			}
			copyEscape(&b, *v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// copyEscape writes v escaped for COPY text format: backslash, tab,
// newline and carriage return.
func copyEscape(b *strings.Builder, v string) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
}

func sp(v string) *string { return &v }

func spInt(v int64) *string { return sp(fmt.Sprint(v)) }

func spTime(t time.Time) *string { return sp(t.UTC().Format("2006-01-02 15:04:05.999999")) }

// sideCopy loads rows into a bookkeeping table through the side connection.
func (s *session) sideCopy(ctx context.Context, table string, cols []string, rows [][]*string) error {
	if len(rows) == 0 {
		return nil
	}
	c, err := s.sideConn(ctx)
	if err != nil {
		return err
	}
	sql := fmt.Sprintf("COPY %s (%s) FROM STDIN", table, strings.Join(cols, ", "))
	_, err = c.CopyFrom(ctx, strings.NewReader(copyRowsText(rows)), sql)
	return err
}

// sideExec runs one statement with text parameters on the side connection.
func (s *session) sideExec(ctx context.Context, sql string, args ...string) ([][][]byte, error) {
	c, err := s.sideConn(ctx)
	if err != nil {
		return nil, err
	}
	params := make([][]byte, len(args))
	for i, a := range args {
		params[i] = []byte(a)
	}
	res := c.ExecParams(ctx, sql, params, nil, nil, nil).Read()
	return res.Rows, res.Err
}
