-- Star schema, Postgres dialect. Column names are a contract with analysts
-- and dashboards; see redshift/schema/0001_star.sql for the same tables on
-- Redshift. Text columns use the "C" collation: comparisons and ORDER BY then
-- work on bytes, as they do on Redshift, so the deterministic picks of the
-- shared transforms choose the same rows on both engines.

-- songplays: one row per NextSong event. item_in_session completes the
-- event's identity (user_id, session_id, item_in_session), which makes loads
-- idempotent.
CREATE TABLE IF NOT EXISTS songplays (
    songplay_id     BIGINT PRIMARY KEY,
    start_time      TIMESTAMP NOT NULL,
    user_id         INTEGER NOT NULL,
    level           VARCHAR(16) COLLATE "C",
    song_id         VARCHAR(32) COLLATE "C",
    artist_id       VARCHAR(32) COLLATE "C",
    session_id      INTEGER NOT NULL,
    location        TEXT COLLATE "C",
    user_agent      TEXT COLLATE "C",
    item_in_session INTEGER NOT NULL,
    UNIQUE (user_id, session_id, item_in_session)
);

-- users: one row per user; values from the user's latest event, whose time
-- is kept in last_seen_at so that an older file never overwrites a newer one.
CREATE TABLE IF NOT EXISTS users (
    user_id      INTEGER PRIMARY KEY,
    first_name   TEXT COLLATE "C",
    last_name    TEXT COLLATE "C",
    gender       VARCHAR(16) COLLATE "C",
    level        VARCHAR(16) COLLATE "C",
    last_seen_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS songs (
    song_id   VARCHAR(32) COLLATE "C" PRIMARY KEY,
    title     TEXT COLLATE "C",
    artist_id VARCHAR(32) COLLATE "C",
    year      INTEGER,
    duration  DOUBLE PRECISION
);

CREATE TABLE IF NOT EXISTS artists (
    artist_id VARCHAR(32) COLLATE "C" PRIMARY KEY,
    name      TEXT COLLATE "C",
    location  TEXT COLLATE "C",
    latitude  DOUBLE PRECISION,
    longitude DOUBLE PRECISION
);

CREATE TABLE IF NOT EXISTS time (
    start_time TIMESTAMP PRIMARY KEY,
    hour       INTEGER NOT NULL,
    day        INTEGER NOT NULL,
    week       INTEGER NOT NULL,
    month      INTEGER NOT NULL,
    year       INTEGER NOT NULL,
    weekday    INTEGER NOT NULL
);

-- sparkify_song_catalogue: every song with its artist's name as spelled in
-- the song's own file (artists keeps one spelling per artist). Plays are
-- matched against it, so a play matches the same song whatever was loaded
-- with it.
CREATE TABLE IF NOT EXISTS sparkify_song_catalogue (
    song_id     VARCHAR(32) COLLATE "C" PRIMARY KEY,
    artist_id   VARCHAR(32) COLLATE "C",
    title       TEXT COLLATE "C",
    artist_name TEXT COLLATE "C",
    duration    DOUBLE PRECISION
);

CREATE INDEX IF NOT EXISTS songplays_start_time ON songplays (start_time);
