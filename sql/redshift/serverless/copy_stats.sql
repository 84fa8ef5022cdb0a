-- Redshift Serverless: the same counts as ../copy_stats.sql, from the SYS
-- views (SYS_LOAD_HISTORY, SYS_LOAD_ERROR_DETAIL), which provisioned
-- clusters have too.
-- name: copy_id
SELECT pg_last_copy_id();

-- name: rows
SELECT pg_last_copy_count();

-- name: files
SELECT COALESCE(MAX(file_count_scanned), 0) FROM sys_load_history WHERE query_id = pg_last_copy_id();

-- name: rejected
SELECT COUNT(*) FROM sys_load_error_detail WHERE query_id = pg_last_copy_id();
