-- First statements of every load's transaction, Redshift dialect.
-- Redshift has no advisory locks: the load takes an exclusive lock on its own
-- bookkeeping table, so a second load waits here until the first commits or
-- rolls back. Readers of the star tables are not blocked.
CREATE TABLE IF NOT EXISTS sparkify_schema_version (
    version    INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT GETDATE()
);

LOCK sparkify_schema_version;
