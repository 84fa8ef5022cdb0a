package redshiftemu

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/sparkify/warehouse/internal/source"
	"github.com/sparkify/warehouse/internal/warehouse"
	"github.com/sparkify/warehouse/sql"
)

// Pages that decide the gate's verdicts, short names for the table below.
const (
	pFeatures     = "c_unsupported-postgresql-features.html"
	pTypes        = "c_unsupported-postgresql-datatypes.html"
	pFunctions    = "c_unsupported-postgresql-functions.html"
	pCreate       = "r_CREATE_TABLE_NEW.html"
	pEncodings    = "c_Compression_encodings.html"
	pLock         = "r_LOCK.html"
	pBegin        = "r_BEGIN.html"
	pCommands     = "c_SQL_commands.html"
	pSelect       = "r_SELECT_synopsis.html"
	pInsert       = "r_INSERT_30.html"
	pDelete       = "r_DELETE.html"
	pAlter        = "r_ALTER_TABLE.html"
	pWindow       = "r_Window_function_synopsis.html"
	pListagg      = "r_LISTAGG.html"
	pDatetime     = "Date_functions_header.html"
	pCharTypes    = "r_Character_types.html"
	pFunctionsRef = "c_SQL_functions.html"
	pWith         = "r_WITH_clause.html"
	pTruncate     = "r_TRUNCATE.html"
)

// gateCases: each statement, the verdict ("" accepted, else the SQLSTATE),
// a word of the message, and the page of the Amazon Redshift Database
// Developer Guide that decides it.
var gateCases = []struct {
	sql, code, contains, page string
}{
	// Indexes, sequences, triggers, rules, extensions: not in Redshift.
	{"CREATE INDEX i ON t (a)", "0A000", "CREATE INDEX", pFeatures},
	{"CREATE UNIQUE INDEX i ON t (a)", "0A000", "CREATE INDEX", pFeatures},
	{"DROP INDEX i", "0A000", "DROP INDEX", pFeatures},
	{"CREATE SEQUENCE s", "0A000", "CREATE SEQUENCE", pFeatures},
	{"SELECT nextval('s')", "0A000", "nextval", pFunctions},
	{"SELECT currval('s')", "0A000", "currval", pFunctions},
	{"SELECT setval('s', 1)", "0A000", "setval", pFunctions},
	{"DROP SEQUENCE s", "0A000", "SEQUENCE", pFeatures},
	{"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", "0A000", "CREATE TRIGGER", pFeatures},
	{"CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING", "0A000", "CREATE RULE", pFeatures},
	{"CREATE EXTENSION hstore", "0A000", "CREATE EXTENSION", pFeatures},
	{"CREATE TABLESPACE ts LOCATION '/x'", "0A000", "tablespaces", pFeatures},
	{"CREATE TABLE t (a int) TABLESPACE ts", "0A000", "tablespaces", pFeatures},
	{"CREATE TABLE c (b int) INHERITS (p)", "0A000", "INHERITS", pFeatures},
	{"CREATE TABLE t (a int) PARTITION BY RANGE (a)", "0A000", "partitioning", pFeatures},
	{"SELECT * FROM ONLY t", "0A000", "ONLY", pFeatures},
	{"CREATE TYPE mood AS ENUM ('a', 'b')", "0A000", "ENUM", pTypes},
	{"CREATE TYPE pair AS (a int, b int)", "0A000", "composite", pTypes},
	{"CREATE DOMAIN d AS int", "0A000", "CREATE DOMAIN", pTypes},
	{"CREATE FOREIGN TABLE f (a int) SERVER s", "0A000", "SQL/MED", pFeatures},
	{"LISTEN ch", "0A000", "LISTEN", pCommands},
	{"NOTIFY ch", "0A000", "NOTIFY", pCommands},
	{"CLUSTER t USING i", "0A000", "CLUSTER", pCommands},
	{"REINDEX TABLE t", "0A000", "REINDEX", pCommands},
	{"DO $$BEGIN END$$", "0A000", "DO", pFeatures},

	// Constraints: CHECK and exclusion constraints are not supported.
	{"CREATE TABLE t (a int CHECK (a > 0))", "0A000", "CHECK", pFeatures},
	{"CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0))", "0A000", "CHECK", pFeatures},
	{"CREATE TABLE t (a int, EXCLUDE USING gist (a WITH =))", "0A000", "exclusion", pFeatures},
	{"CREATE TABLE t (a int PRIMARY KEY DEFERRABLE)", "0A000", "DEFERRABLE", pCreate},
	{"CREATE TABLE t (a int REFERENCES p (a) ON DELETE CASCADE)", "0A000", "ON DELETE", pCreate},
	{"CREATE TABLE t (a int GENERATED ALWAYS AS (1) STORED)", "0A000", "generated columns", pCreate},
	{"CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY)", "42601", "IDENTITY", pCreate},
	{"CREATE TABLE t (a int) WITH (fillfactor = 70)", "0A000", "storage parameters", pCreate},
	{"CREATE UNLOGGED TABLE t (a int)", "0A000", "UNLOGGED", pCreate},
	{"CREATE TEMP TABLE t (a int) ON COMMIT DROP", "0A000", "ON COMMIT", pCreate},

	// Data types.
	{"CREATE TABLE t (a json)", "0A000", "JSON", pTypes},
	{"CREATE TABLE t (a jsonb)", "0A000", "JSONB", pTypes},
	{"CREATE TABLE t (a uuid)", "0A000", "UUID", pTypes},
	{"CREATE TABLE t (a bytea)", "0A000", "BYTEA", pTypes},
	{"CREATE TABLE t (a xml)", "0A000", "XML", pTypes},
	{"CREATE TABLE t (a money)", "0A000", "MONEY", pTypes},
	{"CREATE TABLE t (a inet)", "0A000", "INET", pTypes},
	{"CREATE TABLE t (a cidr)", "0A000", "CIDR", pTypes},
	{"CREATE TABLE t (a bit(3))", "0A000", "BIT", pTypes},
	{"CREATE TABLE t (a varbit)", "0A000", "VARBIT", pTypes},
	{"CREATE TABLE t (a point)", "0A000", "POINT", pTypes},
	{"CREATE TABLE t (a int4range)", "0A000", "INT4RANGE", pTypes},
	{"CREATE TABLE t (a tsvector)", "0A000", "TSVECTOR", pTypes},
	{"CREATE TABLE t (a hstore)", "0A000", "HSTORE", pTypes},
	{"CREATE TABLE t (a oid)", "0A000", "OID", pTypes},
	{"CREATE TABLE t (a txid_snapshot)", "0A000", "TXID_SNAPSHOT", pTypes},
	{`CREATE TABLE t (a "char")`, "0A000", `"char"`, pTypes},
	{"CREATE TABLE t (a name)", "0A000", "NAME", pTypes},
	{"CREATE TABLE t (a serial)", "0A000", "SERIAL", pTypes},
	{"CREATE TABLE t (a bigserial)", "0A000", "BIGSERIAL", pTypes},
	{"CREATE TABLE t (a smallserial)", "0A000", "SMALLSERIAL", pTypes},
	{"CREATE TABLE t (a int[])", "0A000", "array type", pTypes},
	{"SELECT CAST(a AS uuid) FROM t", "0A000", "UUID", pTypes},
	{"SELECT '{}'::json", "0A000", "JSON", pTypes},
	{"CREATE TABLE t (a VARCHAR(65536))", "22023", "65535", pCharTypes},
	{"CREATE TABLE t (a CHAR(4097))", "22023", "4096", pCharTypes},

	// Functions and operators.
	{"SELECT array_agg(a) FROM t", "0A000", "array_agg", pFunctions},
	{"SELECT string_agg(a, ',') FROM t", "0A000", "string_agg", pFunctions},
	{"SELECT json_agg(a) FROM t", "0A000", "json_agg", pFunctions},
	{"SELECT jsonb_build_object('a', 1)", "0A000", "jsonb_build_object", pFunctions},
	{"SELECT to_json(a) FROM t", "0A000", "to_json", pFunctions},
	{"SELECT * FROM generate_series(1, 3)", "0A000", "generate_series", pFeatures},
	{"SELECT generate_series(1, 3)", "0A000", "generate_series", pFunctions},
	{"SELECT unnest(a) FROM t", "0A000", "unnest", pFunctions},
	{"SELECT age(ts) FROM t", "0A000", "age", pFunctions},
	{"SELECT now()", "0A000", "now", pFunctions},
	{"SELECT clock_timestamp()", "0A000", "clock_timestamp", pFunctions},
	{"SELECT CURRENT_TIMESTAMP", "0A000", "CURRENT_TIMESTAMP", pDatetime},
	{"SELECT pg_advisory_lock(1)", "0A000", "pg_advisory_lock", pFunctions},
	{"SELECT pg_sleep(1)", "0A000", "pg_sleep", pFunctions},
	{"SELECT txid_current()", "0A000", "txid_current", pFunctions},
	{"SELECT gen_random_uuid()", "0A000", "gen_random_uuid", pFunctions},
	{"SELECT to_tsvector('a')", "0A000", "to_tsvector", pFunctions},
	{"SELECT regexp_split_to_table(a, ',') FROM t", "0A000", "regexp_split_to_table", pFunctions},
	{"SELECT format('%s', a) FROM t", "0A000", "format", pFunctions},
	{"SELECT string_to_array(a, ',') FROM t", "0A000", "string_to_array", pFunctions},
	{"SELECT j->'a' FROM t", "0A000", "->", pFunctions},
	{"SELECT j->>'a' FROM t", "0A000", "->>", pFunctions},
	{"SELECT j @> '{}' FROM t", "0A000", "@>", pFunctions},
	{"SELECT a FROM t WHERE a = ANY (ARRAY[1, 2])", "0A000", "ANY", pFeatures},
	{"SELECT ARRAY[1, 2]", "0A000", "ARRAY", pFeatures},
	{"SELECT ARRAY(SELECT a FROM t)", "0A000", "ARRAY", pFeatures},
	{"SELECT a[1] FROM t", "0A000", "subscript", pFeatures},
	{"SELECT ROW(1, 2)", "0A000", "row constructors", pFeatures},
	{"SELECT count(*) FILTER (WHERE a > 1) FROM t", "0A000", "FILTER", pFeatures},
	{"SELECT a FROM t WHERE a IS DISTINCT FROM b", "0A000", "DISTINCT FROM", pFeatures},
	{"SELECT a COLLATE \"C\" FROM t", "0A000", "COLLATE", pFeatures},
	{"SELECT max(a ORDER BY b) FROM t", "0A000", "WITHIN GROUP", pListagg},
	{"SELECT sum(a) OVER w FROM t WINDOW w AS (ORDER BY b)", "0A000", "WINDOW", pWindow},
	{"SELECT sum(a) OVER (ORDER BY b GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "0A000", "GROUPS", pWindow},
	{"SELECT my_udf(a) FROM t", "0A000", "my_udf", pFunctionsRef},

	// Statements and clauses.
	{"SAVEPOINT x", "0A000", "SAVEPOINT", pCommands},
	{"RELEASE SAVEPOINT x", "0A000", "SAVEPOINT", pCommands},
	{"ROLLBACK TO SAVEPOINT x", "0A000", "SAVEPOINT", pCommands},
	{"PREPARE TRANSACTION 'x'", "0A000", "two-phase", pCommands},
	{"COMMIT AND CHAIN", "0A000", "CHAIN", pBegin},
	{"LOCK t IN ACCESS EXCLUSIVE MODE", "42601", "no lock mode", pLock},
	{"LOCK TABLE t IN SHARE MODE", "42601", "no lock mode", pLock},
	{"LOCK t NOWAIT", "0A000", "NOWAIT", pLock},
	{"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", "0A000", "ON CONFLICT", pInsert},
	{"INSERT INTO t VALUES (1) RETURNING a", "0A000", "RETURNING", pInsert},
	{"UPDATE t SET a = 1 RETURNING a", "0A000", "RETURNING", "r_UPDATE.html"},
	{"DELETE FROM t RETURNING a", "0A000", "RETURNING", pDelete},
	{"DELETE FROM t USING s AS x WHERE t.a = x.a", "0A000", "alias", pDelete},
	{"SELECT * FROM (VALUES (1), (2)) v (a)", "0A000", "VALUES list", pFeatures},
	{"VALUES (1)", "0A000", "VALUES list", pFeatures},
	{"SELECT DISTINCT ON (a) a FROM t", "0A000", "DISTINCT ON", pSelect},
	{"SELECT * FROM t, LATERAL (SELECT 1) x", "0A000", "LATERAL", pSelect},
	{"SELECT * FROM t FOR UPDATE", "0A000", "FOR UPDATE", pSelect},
	{"SELECT * FROM t TABLESAMPLE SYSTEM (10)", "0A000", "TABLESAMPLE", pSelect},
	{"WITH x AS MATERIALIZED (SELECT 1) SELECT * FROM x", "0A000", "MATERIALIZED", pWith},
	{"WITH d AS (DELETE FROM t RETURNING a) SELECT * FROM d", "0A000", "data-modifying", pWith},
	{"TRUNCATE t RESTART IDENTITY", "0A000", "RESTART IDENTITY", pTruncate},
	{"ALTER TABLE t ALTER COLUMN a TYPE bigint", "0A000", "VARCHAR", pAlter},
	{"ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int", "0A000", "several actions", pAlter},
	{"ALTER TABLE t ALTER COLUMN a SET NOT NULL", "0A000", "ALTER TABLE", pAlter},
	{"EXPLAIN ANALYZE SELECT 1", "0A000", "EXPLAIN", "r_EXPLAIN.html"},
	{"VACUUM ANALYZE t", "0A000", "VACUUM ANALYZE", "r_VACUUM_command.html"},
	{"MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", "0A000", "MERGE", "r_MERGE.html"},
	{"CREATE FUNCTION f() RETURNS int AS 'return 1' LANGUAGE plpythonu", "0A000", "plpythonu", "r_CREATE_FUNCTION.html"},

	// Redshift's table attributes, validated (r_CREATE_TABLE_NEW.html).
	{"CREATE TABLE t (a int, b int) DISTKEY (a, b)", "42601", "one column", pCreate},
	{"CREATE TABLE t (a int, b int) DISTKEY (c)", "42703", `"c"`, pCreate},
	{"CREATE TABLE t (a int DISTKEY, b int) DISTKEY (b)", "42601", "at most one DISTKEY", pCreate},
	{"CREATE TABLE t (a int) DISTSTYLE ALL DISTKEY (a)", "42601", "DISTSTYLE ALL", pCreate},
	{"CREATE TABLE t (a int) DISTSTYLE KEY", "42601", "DISTKEY", pCreate},
	{"CREATE TABLE t (a int) DISTSTYLE RANDOM", "42601", "DISTSTYLE", pCreate},
	{"CREATE TABLE t (a int) SORTKEY (b)", "42703", `"b"`, pCreate},
	{"CREATE TABLE t (a int, b int, c int, d int, e int, f int, g int, h int, i int) INTERLEAVED SORTKEY (a, b, c, d, e, f, g, h, i)", "54011", "at most 8", pCreate},
	{"CREATE TABLE t (a int ENCODE bogus)", "42704", "bogus", pEncodings},
	{"CREATE TABLE t (a VARCHAR(10) ENCODE az64)", "0A000", "az64", pEncodings},
	{"CREATE TABLE t (a BOOLEAN ENCODE lzo)", "0A000", "lzo", pEncodings},
	{"CREATE TABLE t (a INT ENCODE text255)", "0A000", "text255", pEncodings},
	{"CREATE TABLE t (a VARCHAR(10) IDENTITY(1, 1))", "0A000", "INT or BIGINT", pCreate},
	{"CREATE TABLE t (a INT IDENTITY(1))", "42601", "IDENTITY", pCreate},
	{"CREATE TABLE t (a INT) ENCODE lzo", "42601", "AUTO", pCreate},
	{"CREATE TABLE t (a INT) BACKUP MAYBE", "42601", "syntax error", pCreate},
	{"ALTER TABLE t ADD COLUMN b VARCHAR(10) ENCODE az64", "0A000", "az64", pEncodings},

	// Accepted: what the guide documents.
	{"CREATE TABLE t (a INT NOT NULL, b VARCHAR(10), PRIMARY KEY (a), UNIQUE (b))", "", "", pCreate},
	{"CREATE TABLE t (a INT REFERENCES p (a), b INT)", "", "", pCreate},
	{"CREATE TABLE t (id BIGINT IDENTITY(0, 1), v VARCHAR(10) ENCODE zstd DISTKEY, n INT ENCODE az64) DISTSTYLE KEY COMPOUND SORTKEY (n, id) BACKUP NO", "", "", pCreate},
	{"CREATE TABLE t (id INT GENERATED BY DEFAULT AS IDENTITY(1, 1), c CHAR(2) ENCODE bytedict, x TEXT ENCODE text32k) DISTSTYLE ALL INTERLEAVED SORTKEY (c, id)", "", "", pCreate},
	{"CREATE TABLE t (a INT SORTKEY, b VARCHAR(MAX)) DISTSTYLE EVEN ENCODE AUTO", "", "", pCreate},
	{"CREATE TABLE t (a DECIMAL(38, 2), b REAL, c DOUBLE PRECISION, d BOOLEAN, e DATE, f TIMESTAMPTZ, g TIME, h SMALLINT, i NCHAR(3), j NVARCHAR(5), k BPCHAR, l CHARACTER VARYING(4))", "", "", "c_Supported_data_types.html"},
	{"CREATE TABLE t (LIKE p INCLUDING DEFAULTS)", "", "", pCreate},
	{"CREATE TEMP TABLE x DISTKEY (a) SORTKEY (a) AS SELECT a FROM t", "", "", "r_CREATE_TABLE_AS.html"},
	{"ALTER TABLE t ADD COLUMN b VARCHAR(10) ENCODE lzo", "", "", pAlter},
	{"ALTER TABLE t ALTER COLUMN b TYPE VARCHAR(20)", "", "", pAlter},
	{"ALTER TABLE t RENAME TO u", "", "", pAlter},
	{"LOCK t", "", "", pLock},
	{"LOCK TABLE t, u", "", "", pLock},
	{"BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY", "", "", pBegin},
	{"START TRANSACTION", "", "", pBegin},
	{"END", "", "", "r_END.html"},
	{"ABORT", "", "", "r_ABORT.html"},
	{"SELECT listagg(a, ',') WITHIN GROUP (ORDER BY a) FROM t", "", "", pListagg},
	{"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t", "", "", "r_PERCENTILE_CONT.html"},
	{"SELECT median(a), count(DISTINCT a) FROM t", "", "", "r_MEDIAN.html"},
	{"SELECT nvl(a, 0), nvl2(a, 1, 0), decode(a, 1, 'x', 'y'), greatest(a, 1) FROM t", "", "", "c_conditional_expressions.html"},
	{"SELECT dateadd(day, 1, ts), datediff(day, ts, getdate()), date_trunc('week', ts), date_part(dow, ts), convert_timezone('UTC', 'US/Pacific', ts), sysdate FROM t", "", "", pDatetime},
	{"SELECT EXTRACT(week FROM ts), TRIM(a), SUBSTRING(a FROM 1 FOR 2), POSITION('x' IN a), ts AT TIME ZONE 'UTC' FROM t", "", "", pDatetime},
	{"SELECT json_extract_path_text(j, 'a'), is_valid_json(j) FROM t", "", "", "json-functions.html"},
	{"SELECT a FROM t WHERE a SIMILAR TO '[0-9]+' AND b ~ 'x' AND c ILIKE 'y%'", "", "", "pattern-matching-conditions.html"},
	{"SELECT a FROM t WHERE a = ANY (SELECT b FROM u)", "", "", "r_subquery_expressions.html"},
	{"SELECT sum(a) OVER (PARTITION BY b ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t", "", "", pWindow},
	{"WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r", "", "", pWith},
	{"INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", "", "", pInsert},
	{"UPDATE t SET a = u.a FROM u WHERE t.b = u.b", "", "", "r_UPDATE.html"},
	{"DELETE FROM t USING u WHERE t.a = u.a", "", "", pDelete},
	{"TRUNCATE t", "", "", pTruncate},
	{"DROP TABLE IF EXISTS t CASCADE", "", "", "r_DROP_TABLE.html"},
	{"CREATE VIEW v AS SELECT a FROM t", "", "", "r_CREATE_VIEW.html"},
	{"CREATE SCHEMA s", "", "", "r_CREATE_SCHEMA.html"},
	{"COMMENT ON TABLE t IS 'x'", "", "", "r_COMMENT.html"},
	{"ANALYZE t (a, b)", "", "", "r_ANALYZE.html"},
	{"VACUUM FULL t", "", "", "r_VACUUM_command.html"},
	{"EXPLAIN VERBOSE SELECT 1", "", "", "r_EXPLAIN.html"},
	{"SHOW search_path", "", "", "r_SHOW.html"},
	{"SELECT pg_last_copy_id(), pg_last_copy_count(), pg_backend_pid(), current_database(), current_user, version()", "", "", "r_System_information_functions.html"},
	{"SELECT a FROM t GROUP BY ROLLUP (a)", "", "", "r_GROUP_BY_aggregation-extensions.html"},
	{"SELECT a, b FROM t ORDER BY a NULLS LAST LIMIT 10 OFFSET 5", "", "", "r_ORDER_BY_clause.html"},
	{"CREATE OR REPLACE PROCEDURE p() AS $$ BEGIN NULL; END; $$ LANGUAGE plpgsql", "", "", "r_CREATE_PROCEDURE.html"},
	{"CALL p()", "", "", "r_CALL_procedure.html"},
	{"GRANT SELECT ON t TO u", "", "", "r_GRANT.html"},
}

func TestGate(t *testing.T) {
	refused := 0
	for _, tc := range gateCases {
		t.Run(tc.sql, func(t *testing.T) {
			if tc.page == "" {
				t.Fatal("no page decides this case")
			}
			st := AnalyzeStatement(tc.sql, ac)
			if tc.code == "" {
				if st.Err != nil {
					t.Fatalf("refused: %v (documented by %s)", st.Err, tc.page)
				}
				return
			}
			if st.Err == nil || st.Err.Code != tc.code || !strings.Contains(st.Err.Message, tc.contains) {
				t.Fatalf("got %v, want %s containing %q (%s)", st.Err, tc.code, tc.contains, tc.page)
			}
		})
		if tc.code != "" {
			refused++
		}
	}
	if refused < 65 {
		t.Errorf("the table refuses %d forms, want at least the 65 of the review", refused)
	}
}

// TestGateAcceptsTheJobsStatements runs every statement of the job's
// Redshift plan, its ledger and bookkeeping statements and the report's
// queries through the gate: all must pass.
func TestGateAcceptsTheJobsStatements(t *testing.T) {
	loc := func(p string) source.Location { return source.Location{Scheme: "s3", Bucket: "sparkify-test", Path: p} }
	plan, err := warehouse.BuildPlan(sql.FS(), warehouse.Options{
		Target: warehouse.Redshift, SongData: loc("song_data"), LogData: loc("log_data"),
		LogJSONPath: "s3://sparkify-test/config/log_json_path.json", Region: "us-west-2",
		IAMRoleARN: "arn:aws:iam::123456789012:role/r", MaxErrors: 3,
		SongManifest: "s3://sparkify-test/staging/songs.manifest", LogManifest: "s3://sparkify-test/staging/logs.manifest",
	})
	if err != nil {
		t.Fatal(err)
	}
	stmts := plan.Statements()
	report, err := sql.ReadDir(sql.FS(), "shared/report")
	if err != nil {
		t.Fatal(err)
	}
	stmts = append(stmts, report...)
	for _, file := range []string{"redshift/report_session.sql", "shared/connectivity/check.sql"} {
		more, err := sql.ReadFile(sql.FS(), file)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, more...)
	}
	files := map[string]bool{}
	inTx := false
	for _, s := range stmts {
		text := strings.NewReplacer("{{ROWS}}", "($1, $2, $3, $4), ($5, $6, $7, $8)", "{{IDS}}", "$1, $2").Replace(s.SQL)
		st := AnalyzeStatement(text, AnalyzeContext{InTransaction: inTx, SearchPathEmu: ac.SearchPathEmu})
		if st.Err != nil {
			t.Errorf("sql/%s: %v\n%s", s.File, st.Err, text)
		}
		if st.First == "LOCK" {
			inTx = true // begin.sql runs in the load's transaction
		}
		files[s.File] = true
	}
	// Every SQL file of the redshift and shared trees was seen.
	for _, dir := range []string{"redshift", "shared"} {
		err := fs.WalkDir(sql.FS(), dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".sql") && !files[p] {
				t.Errorf("sql/%s: no statement of it went through the gate", p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
