-- Incremental loads, Postgres dialect (the same columns as
-- redshift/schema/0004_incremental.sql).
-- sparkify_source_objects is the ledger of the source objects that committed
-- loads took, with their version (ETag, or a file's size and time): a load
-- stages only objects that are new or changed since. It is written in the
-- load's own transaction, so an object is taken exactly once.
CREATE TABLE IF NOT EXISTS sparkify_source_objects (
    uri     VARCHAR(1024) COLLATE "C" NOT NULL,
    version VARCHAR(128) NOT NULL,
    load_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (uri)
);

-- The song plays that matched no song yet, with what matching needs, so
-- that a song arriving in a later load matches them without their log
-- files being staged again.
CREATE TABLE IF NOT EXISTS sparkify_unmatched_plays (
    user_id         INTEGER NOT NULL,
    session_id      INTEGER NOT NULL,
    item_in_session INTEGER NOT NULL,
    song            TEXT COLLATE "C",
    artist          TEXT COLLATE "C",
    length          DOUBLE PRECISION,
    PRIMARY KEY (user_id, session_id, item_in_session)
);

COMMENT ON TABLE sparkify_source_objects IS 'The ledger of source objects committed loads took (uri, version): a load stages only new or changed objects.';
COMMENT ON TABLE sparkify_unmatched_plays IS 'Song plays without a matching song yet, kept so that a song loaded later matches them.';
