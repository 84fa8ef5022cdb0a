-- Redshift Serverless: the same counts as ../copy_stats.sql, from the SYS
-- views (SYS_LOAD_HISTORY, SYS_LOAD_ERROR_DETAIL), which provisioned
-- clusters have too.
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
SELECT COALESCE(MAX(file_count_scanned), 0) FROM sys_load_history WHERE query_id = pg_last_copy_id();

-- name: rejected
SELECT COUNT(*) FROM sys_load_error_detail WHERE query_id = pg_last_copy_id();
