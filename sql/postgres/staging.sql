-- Staging tables for one load, Postgres dialect. They are temporary: private
-- to the load's session and gone when it ends. The job fills them with the
-- binary COPY protocol. Column order matches the Redshift staging tables.
CREATE TEMP TABLE staging_events (
    artist          TEXT,
    auth            TEXT,
    first_name      TEXT,
    gender          TEXT,
    item_in_session INTEGER,
    last_name       TEXT,
    length          DOUBLE PRECISION,
    level           TEXT,
    location        TEXT,
    method          TEXT,
    page            TEXT,
    registration    DOUBLE PRECISION,
    session_id      INTEGER,
    song            TEXT,
    status          INTEGER,
    ts              TIMESTAMP,
    user_agent      TEXT,
    user_id         TEXT
) ON COMMIT DROP;

CREATE TEMP TABLE staging_songs (
    num_songs        INTEGER,
    artist_id        TEXT,
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    artist_location  TEXT,
    artist_name      TEXT,
    song_id          TEXT,
    title            TEXT,
    duration         DOUBLE PRECISION,
    year             INTEGER
) ON COMMIT DROP;
