-- The history of loads, Postgres dialect (the same columns as
-- redshift/schema/0003_loads.sql): one row per committed load, written in
-- the load's own transaction, and one per failed load that could still
-- reach the database, written after its rollback. The report reads it for
-- the freshness of its data.
CREATE TABLE IF NOT EXISTS sparkify_loads (
    load_id            VARCHAR(64) NOT NULL,
    status             VARCHAR(16) NOT NULL,
    started_at         TIMESTAMP NOT NULL,
    finished_at        TIMESTAMP NOT NULL,
    job_version        VARCHAR(128),
    song_data          VARCHAR(1024),
    log_data           VARCHAR(1024),
    objects            BIGINT,
    records            BIGINT,
    skipped            BIGINT,
    songplays_inserted BIGINT,
    songplays_updated  BIGINT,
    users_inserted     BIGINT,
    users_updated      BIGINT,
    songs_inserted     BIGINT,
    songs_updated      BIGINT,
    artists_inserted   BIGINT,
    artists_updated    BIGINT,
    time_inserted      BIGINT,
    error_class        VARCHAR(32),
    error              VARCHAR(1024),
    PRIMARY KEY (load_id)
);

COMMENT ON TABLE sparkify_loads IS 'One row per load: committed (written in the load''s transaction) or failed (written after its rollback, when the database could still be reached).';
COMMENT ON COLUMN sparkify_loads.status IS 'committed or failed.';
COMMENT ON COLUMN sparkify_loads.skipped IS 'Malformed source records skipped (SPARKIFY_MAX_ERRORS).';
COMMENT ON COLUMN sparkify_loads.error_class IS 'For a failed load: configuration, transient, interrupted or failed (the exit code''s meaning).';
