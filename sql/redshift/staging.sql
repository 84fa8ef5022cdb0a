-- Staging tables for one load, Redshift dialect. Temporary tables are private
-- to the load's session and dropped when it ends. staging_events' columns are
-- in the order of the jsonpaths file (SPARKIFY_LOG_JSONPATH); staging_songs'
-- names equal the song files' keys, as FORMAT AS JSON 'auto' requires.
-- COPY leaves source_object (lineage) null: see the README's "Loads over
-- time" for what that means on Redshift.
CREATE TEMP TABLE staging_events (
    artist          VARCHAR(1024),
    auth            VARCHAR(32),
    first_name      VARCHAR(512),
    gender          VARCHAR(16),
    item_in_session INTEGER,
    last_name       VARCHAR(512),
    length          DOUBLE PRECISION,
    level           VARCHAR(16),
    location        VARCHAR(1024),
    method          VARCHAR(16),
    page            VARCHAR(64),
    registration    DOUBLE PRECISION,
    session_id      INTEGER,
    song            VARCHAR(1024),
    status          INTEGER,
    ts              TIMESTAMP,
    user_agent      VARCHAR(2048),
    user_id         VARCHAR(32),
    source_object   BIGINT
);

CREATE TEMP TABLE staging_songs (
    num_songs        INTEGER,
    artist_id        VARCHAR(32),
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    artist_location  VARCHAR(1024),
    artist_name      VARCHAR(1024),
    song_id          VARCHAR(32),
    title            VARCHAR(1024),
    duration         DOUBLE PRECISION,
    year             INTEGER,
    source_object    BIGINT
);
