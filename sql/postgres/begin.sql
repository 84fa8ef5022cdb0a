-- First statements of every load's transaction, Postgres dialect.
-- The advisory lock keeps two loads apart: a second load waits here until the
-- first commits or rolls back. Readers (report) are not blocked.
-- lock: may wait for another load
SELECT pg_advisory_xact_lock(5142022018);

CREATE TABLE IF NOT EXISTS sparkify_schema_version (
    version    INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The load analyzes the tables it stages and derives
-- (sql/shared/transform/00_statistics.sql); they live for one load, and a
-- sample of 3,000 rows (the default samples 30,000) is enough for its plans.
SET LOCAL default_statistics_target = 10;
