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

-- The warehouse's tables are read from memory or SSDs, where a random page
-- costs little more than a sequential one (the default, 4, is for spinning
-- disks). Without this a day's plays are checked against all of time and
-- songplays with hash joins over whole tables instead of their indexes.
SET LOCAL random_page_cost = 1.1;

-- The load runs one statement at a time, most of them on temporary tables,
-- which Postgres never reads in parallel. What was left to parallel plans
-- (counting the star tables on a first load or a full refresh, reading
-- their indexes) cost more to start the workers for than they saved
-- (counting 783,000 song plays: 120 ms with two workers, 75 ms without).
SET LOCAL max_parallel_workers_per_gather = 0;
