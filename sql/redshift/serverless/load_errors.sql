-- Redshift Serverless: the rows recorded for one COPY of the load, from
-- SYS_LOAD_ERROR_DETAIL, as ../load_errors.sql does from STL_LOAD_ERRORS:
-- by the session and the COPY's start time, not pg_last_copy_id(), which a
-- rolled-back COPY does not update (PG_LAST_COPY_ID.html).
-- SYS_LOAD_ERROR_DETAIL.session_id is "The process identifier of the
-- process running the copy" and start_time "The time (UTC) that the copy
-- started" (https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_ERROR_DETAIL.html).
-- $1 is pg_backend_pid() and $2 GETDATE(), read just before the COPY;
-- $3 the query id of the load's previous COPY (-1 for none).
SELECT TRIM(file_name), line_number, TRIM(column_name), error_code, TRIM(error_message), TRIM(raw_field_value)
FROM sys_load_error_detail
WHERE session_id = CAST($1 AS INTEGER)
  AND start_time >= CAST($2 AS TIMESTAMP)
  AND query_id > CAST($3 AS BIGINT)
ORDER BY query_id, line_number
LIMIT 10;
