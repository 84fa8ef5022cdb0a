-- Run before the load's transaction, in autocommit: the table that the load
-- locks must exist before the transaction starts, because on Redshift the
-- LOCK has to be the transaction's first statement (a snapshot taken before
-- it could predate the other load's commit and fail with a serializable
-- isolation error once the lock is granted).
CREATE TABLE IF NOT EXISTS sparkify_schema_version (
    version    INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT GETDATE()
);
