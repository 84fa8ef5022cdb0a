-- The report session's settings, Redshift dialect: $1 is
-- SPARKIFY_REPORT_TIMEOUT in milliseconds. Redshift has statement_timeout
-- and no lock_timeout (its parameters: the SET command's page of the
-- Database Developer Guide); the job's own deadline bounds a wait for a
-- lock there.
SELECT set_config('statement_timeout', $1, false);
