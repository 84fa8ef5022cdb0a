-- Redshift Serverless: the rows recorded for the session's last COPY, from
-- SYS_LOAD_ERROR_DETAIL, run after a COPY fails (and its transaction is
-- rolled back) to show the user what broke.
SELECT TRIM(file_name), line_number, TRIM(column_name), error_code, TRIM(error_message), TRIM(raw_field_value)
FROM sys_load_error_detail
WHERE query_id = pg_last_copy_id()
ORDER BY line_number
LIMIT 10;
