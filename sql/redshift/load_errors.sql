-- The rows Redshift recorded for the session's last COPY, run after a COPY
-- fails (and its transaction is rolled back) to show the user what broke.
SELECT TRIM(filename), line_number, TRIM(colname), err_code, TRIM(err_reason), TRIM(raw_field_value)
FROM stl_load_errors
WHERE query = pg_last_copy_id()
ORDER BY line_number
LIMIT 10;
