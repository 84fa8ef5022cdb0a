-- Staging tables for one load, Postgres dialect. They are temporary: private
-- to the load's session and gone when it ends. The job fills them with the
-- binary COPY protocol, each row with its
-- object's id (source_object, lineage: postgres/schema/0006_lineage.sql). Column order matches the Redshift staging tables; the
-- "C" collation makes text compare and sort by bytes, as on Redshift.
CREATE TEMP TABLE staging_events (
    artist          TEXT COLLATE "C",
    auth            TEXT COLLATE "C",
    first_name      TEXT COLLATE "C",
    gender          TEXT COLLATE "C",
    item_in_session INTEGER,
    last_name       TEXT COLLATE "C",
    length          DOUBLE PRECISION,
    level           TEXT COLLATE "C",
    location        TEXT COLLATE "C",
    method          TEXT COLLATE "C",
    page            TEXT COLLATE "C",
    registration    DOUBLE PRECISION,
    session_id      INTEGER,
    song            TEXT COLLATE "C",
    status          INTEGER,
    ts              TIMESTAMP,
    user_agent      TEXT COLLATE "C",
    user_id         TEXT COLLATE "C",
    source_object   BIGINT
) ON COMMIT DROP;

CREATE TEMP TABLE staging_songs (
    num_songs        INTEGER,
    artist_id        TEXT COLLATE "C",
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION,
    artist_location  TEXT COLLATE "C",
    artist_name      TEXT COLLATE "C",
    song_id          TEXT COLLATE "C",
    title            TEXT COLLATE "C",
    duration         DOUBLE PRECISION,
    year             INTEGER,
    source_object    BIGINT
) ON COMMIT DROP;
