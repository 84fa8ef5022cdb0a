-- Incremental loads, Redshift dialect (the same columns as
-- postgres/schema/0004_incremental.sql).
-- sparkify_source_objects is the ledger of the source objects that committed
-- loads took, with their version (the S3 ETag): a load with
-- SPARKIFY_STAGING_URI copies only objects that are new or changed since,
-- through a manifest. It is written in the load's own transaction, so an
-- object is taken exactly once.
CREATE TABLE IF NOT EXISTS sparkify_source_objects (
    uri     VARCHAR(1024) NOT NULL,
    version VARCHAR(128) NOT NULL,
    load_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (uri)
)
DISTSTYLE ALL
SORTKEY (uri);

-- The song plays that matched no song yet, with what matching needs, so
-- that a song arriving in a later load matches them without their log
-- files being copied again.
CREATE TABLE IF NOT EXISTS sparkify_unmatched_plays (
    user_id         INTEGER NOT NULL,
    session_id      INTEGER NOT NULL,
    item_in_session INTEGER NOT NULL,
    song            VARCHAR(1024),
    artist          VARCHAR(1024),
    length          DOUBLE PRECISION,
    PRIMARY KEY (user_id, session_id, item_in_session)
)
DISTSTYLE ALL;

COMMENT ON TABLE sparkify_source_objects IS 'The ledger of source objects committed loads took (uri, version): a load stages only new or changed objects.';
COMMENT ON TABLE sparkify_unmatched_plays IS 'Song plays without a matching song yet, kept so that a song loaded later matches them.';
