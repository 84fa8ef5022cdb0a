// Package redshiftemu is a Redshift-compatible endpoint for tests: a
// PostgreSQL wire-protocol proxy, in front of a real Postgres server, that
// greets and answers as Amazon Redshift does and executes Redshift's
// COPY ... FROM 's3://...' itself by reading an S3 emulator. The job's own
// code never imports it; the integration tests and cmd/redshiftemu do.
//
// Emulated behaviours, and the AWS documentation each follows:
//
//   - Startup: cleartext password authentication, then the ParameterStatus
//     set of a Redshift cluster (server_version 8.0.2, client_encoding
//     UNICODE, DateStyle ISO, MDY, TimeZone UTC, integer_datetimes,
//     is_superuser, session_authorization, application_name) and no
//     standard_conforming_strings, so clients that need it (pgx's simple
//     protocol) fail as they do against Redshift. TLS on request.
//     https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-ssl-support.html
//   - The SQL gate (gate.go): every statement is parsed with the
//     PostgreSQL grammar (libpg_query on wazero) and its tree checked
//     against allow-lists of the statements, clauses, types, functions and
//     operators the Amazon Redshift Database Developer Guide documents,
//     each entry citing its page; anything else fails with 0A000 "... is
//     not supported by Amazon Redshift" (gate_test.go is the table of
//     statements, verdicts and pages).
//     https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-features.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-datatypes.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-functions.html
//   - Rules the tree cannot show: TRUNCATE inside a transaction block
//     (r_TRUNCATE.html: TRUNCATE commits), $$ outside CREATE PROCEDURE,
//     one-argument TO_TIMESTAMP, and a bare string literal in a UNION
//     branch, which fails with XX000 failed to find conversion function
//     from "unknown" to text.
//   - DDL (ddl.go): DISTSTYLE, DISTKEY, [COMPOUND|INTERLEAVED] SORTKEY,
//     ENCODE and BACKUP are validated against the column list (one DISTKEY
//     column that exists, SORTKEY columns that exist, at most 8
//     INTERLEAVED, encodings known for the column's type) and then
//     dropped; IDENTITY(seed, step), on INT or BIGINT only, becomes an
//     identity column; GETDATE() and SYSDATE; character columns compare
//     bytes (COLLATE "C"), TEXT and VARCHAR without length are
//     VARCHAR(256), VARCHAR(MAX) is VARCHAR(65535). Declared PRIMARY KEY
//     and UNIQUE constraints stay in the catalog and are not enforced (an
//     event trigger clears indisunique on their indexes); foreign keys are
//     left out; NOT NULL is enforced.
//     https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/c_Compression_encodings.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/c_Supported_data_types.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/r_GETDATE.html
//   - SET/RESET accept the parameters of the configuration reference only;
//     others fail with 42704 unrecognized configuration parameter "x".
//     https://docs.aws.amazon.com/redshift/latest/dg/r_SET.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/cm_chap_ConfigurationRef.html
//   - An error aborts the transaction: errors the emulator raises inside a
//     transaction block also abort the backend's transaction, so COMMIT
//     rolls back. https://docs.aws.amazon.com/redshift/latest/dg/r_COMMIT.html
//   - COPY from S3 with FORMAT AS JSON ('auto', 'auto ignorecase', a
//     jsonpaths file), TIMEFORMAT (epochmillisecs, epochsecs, auto, a format
//     string), MAXERROR, TRUNCATECOLUMNS, ACCEPTINVCHARS, GZIP, MANIFEST,
//     REGION, COMPUPDATE, STATUPDATE, IAM_ROLE/CREDENTIALS/ACCESS_KEY_ID.
//     https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-load.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-authorization.html,
//     https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html
//   - Load errors use the codes of the load error reference (1204 string
//     length, 1206 timestamp, 1207 invalid digit, 1208 float, 1209 decimal,
//     1210 boolean, 1213 NOT NULL, 1220 invalid UTF-8, 1222 integer overflow,
//     1223 data type, 1224 malformed JSON).
//     https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html
//   - System tables, written on an autocommit side connection so that they
//     survive the client's rollback: STL_LOAD_ERRORS (r_STL_LOAD_ERRORS.html),
//     STL_LOAD_COMMITS (r_STL_LOAD_COMMITS.html), SYS_LOAD_HISTORY
//     (SYS_LOAD_HISTORY.html), SYS_LOAD_ERROR_DETAIL
//     (SYS_LOAD_ERROR_DETAIL.html); with Config.Serverless the stl_* tables do
//     not exist for the client. PG_LAST_COPY_COUNT() and PG_LAST_COPY_ID()
//     (PG_LAST_COPY_COUNT.html, PG_LAST_COPY_ID.html), the id set even when
//     the COPY failed, and put back as it was when the transaction block
//     that ran the COPY is rolled back ("If the COPY transaction is rolled
//     back, the COPY ID is not updated"). The rows carry the session
//     (pg_backend_pid()) and the COPY's start time. GETDATE() is the
//     statement's start (r_GETDATE.html).
//   - Bucket regions: a COPY whose source, manifest, manifest entries or
//     jsonpaths file is in a bucket outside its REGION (the cluster's,
//     Config.S3Region, without one) fails with S3's PermanentRedirect, as
//     "all resources, including a manifest file or multiple Amazon S3
//     buckets, must be located in the specified Region"
//     (copy-parameters-data-source-s3.html); a bucket's region is what the
//     S3 emulator's GetBucketLocation answers. Config.MaxErrorExceeds takes
//     the other reading of MAXERROR's boundary.
//   - LOCK (without a mode), BEGIN ... ISOLATION LEVEL, DELETE, UPDATE ...
//     FROM and the rest of the documented SQL run unchanged on Postgres
//     (r_LOCK.html, r_DELETE.html).
//
// What only AWS can settle is checked by the contract suite
// (integration/contract_test.go, make redshift-contract).
//
// What it cannot imitate: the planner, distribution and sort keys (they are
// validated, then dropped), the planner's use of informational keys, parallelism and speed, serializable-by-default isolation
// (Postgres' READ COMMITTED applies), Redshift's trailing-blank semantics of
// CHAR/VARCHAR comparisons, byte-length limits on INSERT and UPDATE (only
// COPY measures VARCHAR(n) in bytes; Postgres counts characters), backslash
// escapes in ordinary string literals, describe_field_name_in_uppercase and
// the other Redshift-only parameters (accepted and ignored), SUPER and
// spatial types, UNLOAD, COPY formats other than JSON, and the wording of
// errors the Postgres backend raises itself.
package redshiftemu
