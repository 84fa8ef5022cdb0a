-- The rows Redshift recorded for one COPY of the load: after a COPY that
-- skipped rows within MAXERROR, and after a COPY that failed (once its
-- transaction is rolled back) to show the user what broke.
-- pg_last_copy_id() cannot find a failed COPY's rows: "If the COPY
-- transaction is rolled back, the COPY ID is not updated"
-- (https://docs.aws.amazon.com/redshift/latest/dg/PG_LAST_COPY_ID.html).
-- The rows are found by the session and the COPY's start time instead:
-- STL_LOAD_ERRORS.session is "Session ID for the session performing the
-- load" and starttime "Start time in UTC for the load"
-- (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html).
-- $1 is pg_backend_pid() and $2 GETDATE() (the start of the current
-- statement, in seconds: r_GETDATE.html), both read just before the COPY
-- (copy_stats.sql, start); $3 is the query id of the load's previous COPY
-- (-1 for none), whose rows may share the second.
SELECT TRIM(filename), line_number, TRIM(colname), err_code, TRIM(err_reason), TRIM(raw_field_value)
FROM stl_load_errors
WHERE session = CAST($1 AS INTEGER)
  AND starttime >= CAST($2 AS TIMESTAMP)
  AND query > CAST($3 AS INTEGER)
ORDER BY query, line_number
LIMIT 10;
