-- Run after each successful COPY, for the run summary: the COPY's query id,
-- the rows it loaded, the files it read and the rows it rejected (MAXERROR).
-- Provisioned clusters record loads in the STL tables; Redshift Serverless
-- has none of them and records loads in the SYS views (serverless/ below).
-- name: start
-- Run just before each COPY, in its transaction: the session and the
-- statement's start time, which find the COPY's rows in the load errors
-- (load_errors.sql). GETDATE() is the start of the current statement, even
-- in a transaction block (https://docs.aws.amazon.com/redshift/latest/dg/r_GETDATE.html);
-- PG_BACKEND_PID() is the process handling the session (PG_BACKEND_PID.html).
SELECT PG_BACKEND_PID(), CAST(GETDATE() AS VARCHAR(32));

-- name: copy_id
SELECT pg_last_copy_id();

-- name: rows
SELECT pg_last_copy_count();

-- name: files
SELECT COUNT(DISTINCT filename) FROM stl_load_commits WHERE query = pg_last_copy_id();

-- name: rejected
SELECT COUNT(*) FROM stl_load_errors WHERE query = pg_last_copy_id();

-- Whether the STL tables exist: the job reads the SYS views when this fails.
-- Run before the load's transaction.
-- name: probe
SELECT COUNT(*) FROM stl_load_errors WHERE 1 = 0;
