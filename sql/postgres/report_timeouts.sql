-- The report session's timeouts, Postgres dialect: $1 is
-- SPARKIFY_REPORT_TIMEOUT in milliseconds. A query that runs longer, or
-- waits longer for a lock, is cancelled, so that a stuck report does not
-- hold its locks until the Job's deadline (a migration would wait behind
-- them), and the job exits 75.
SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $1, false);
