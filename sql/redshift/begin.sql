-- First statement of every load's transaction, Redshift dialect.
-- Redshift has no advisory locks: the load takes an exclusive lock on its own
-- bookkeeping table (created by setup.sql), so a second load waits here until
-- the first commits or rolls back. Readers of the star tables are not
-- blocked.
-- lock: may wait for another load
LOCK sparkify_schema_version;
