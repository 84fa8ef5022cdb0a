-- The report session's settings, Postgres dialect. $1 is
-- SPARKIFY_REPORT_TIMEOUT in milliseconds: a query that runs longer, or
-- waits longer for a lock, is cancelled, so that a stuck report does not
-- hold its locks until the Job's deadline (a migration would wait behind
-- them), and the job exits 75. work_mem: the report's DISTINCT and GROUP BY
-- over a long period hold more groups than the default 4 MB, and would
-- spill to disk; 64 MB is enough for years of rollups. The connection is the
-- report's own.
SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $1, false),
       set_config('work_mem', '64MB', false);
