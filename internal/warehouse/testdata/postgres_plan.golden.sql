BEGIN;

-- sql/postgres/begin.sql
-- First statements of every load's transaction, Postgres dialect.
-- The advisory lock keeps two loads apart: a second load waits here until the
-- first commits or rolls back. Readers (report) are not blocked.
-- lock: may wait for another load
SELECT pg_advisory_xact_lock(5142022018);
CREATE TABLE IF NOT EXISTS sparkify_schema_version (
    version    INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- The load analyzes the tables it stages and derives
-- (sql/shared/transform/00_statistics.sql); they live for one load, and a
-- sample of 3,000 rows (the default samples 30,000) is enough for its plans.
SET LOCAL default_statistics_target = 10;
-- The warehouse's tables are read from memory or SSDs, where a random page
-- costs little more than a sequential one (the default, 4, is for spinning
-- disks). Without this a day's plays are checked against all of time and
-- songplays with hash joins over whole tables instead of their indexes.
SET LOCAL random_page_cost = 1.1;
-- The load runs one statement at a time, most of them on temporary tables,
-- which Postgres never reads in parallel. What was left to parallel plans
-- (counting the star tables on a first load or a full refresh, reading
-- their indexes) cost more to start the workers for than they saved
-- (counting 783,000 song plays: 120 ms with two workers, 75 ms without).
SET LOCAL max_parallel_workers_per_gather = 0;

-- migration 1 (sql/postgres/schema/0001_star.sql), run only when the recorded schema version is below 1
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
INSERT INTO sparkify_schema_version (version) VALUES (1);

-- migration 2 (sql/shared/schema/0002_comments.sql), run only when the recorded schema version is below 2
-- Comments on the star tables and their columns, the same on both engines:
-- what each column holds, read by psql's \d+, by SQL clients and BI tools
-- (col_description, obj_description; on Redshift also
-- SVV_ALL_COLUMNS.remarks). Redshift documents COMMENT ON TABLE and COMMENT
-- ON COLUMN table.column (r_COMMENT.html); the table's owner, the job's
-- user, may set them. Each text stays under 256 bytes: SVV_ALL_COLUMNS.remarks
-- is a VARCHAR(256). COMMENT ON replaces a comment, so the migration could
-- run again harmlessly.

COMMENT ON TABLE songplays IS 'Fact: one row per NextSong event in the logs, whether or not the song is in the catalogue. An event is identified by (user_id, session_id, item_in_session).';
COMMENT ON COLUMN songplays.songplay_id IS 'Surrogate key, numbered in start_time order; loading day by day numbers plays as one load of all days does.';
COMMENT ON COLUMN songplays.start_time IS 'Time of the play, UTC (the event''s ts, epoch milliseconds).';
COMMENT ON COLUMN songplays.user_id IS 'The user who played the song (users.user_id).';
COMMENT ON COLUMN songplays.level IS 'The user''s level at the time of play: free or paid (users.level is the current one).';
COMMENT ON COLUMN songplays.song_id IS 'The song played (songs.song_id); null when no catalogued song has the same title, artist name and duration within a millisecond.';
COMMENT ON COLUMN songplays.artist_id IS 'The artist of the song played (artists.artist_id); null when song_id is null.';
COMMENT ON COLUMN songplays.session_id IS 'The app session of the play; a session is a (user_id, session_id) pair.';
COMMENT ON COLUMN songplays.location IS 'Where the user was, as the app recorded it (city, state).';
COMMENT ON COLUMN songplays.user_agent IS 'The browser or app that played the song, byte for byte as logged.';
COMMENT ON COLUMN songplays.item_in_session IS 'Position of the event in its session; with user_id and session_id it identifies the event.';
COMMENT ON TABLE users IS 'Dimension: one row per user id seen in the logs; name, gender and level from the user''s latest event.';
COMMENT ON COLUMN users.user_id IS 'The app''s user id.';
COMMENT ON COLUMN users.first_name IS 'First name, from the user''s latest event.';
COMMENT ON COLUMN users.last_name IS 'Last name, from the user''s latest event.';
COMMENT ON COLUMN users.gender IS 'F or M, from the user''s latest event; null when not given.';
COMMENT ON COLUMN users.level IS 'The user''s current level (free or paid), from the latest event; songplays.level is the level at the time of each play.';
COMMENT ON COLUMN users.last_seen_at IS 'Time of the event the row comes from, UTC; an older event never replaces a newer one.';
COMMENT ON TABLE songs IS 'Dimension: one row per song_id of the song files.';
COMMENT ON COLUMN songs.song_id IS 'The song''s id in the song files.';
COMMENT ON COLUMN songs.title IS 'Title, byte for byte as in the song file.';
COMMENT ON COLUMN songs.artist_id IS 'The song''s artist (artists.artist_id).';
COMMENT ON COLUMN songs.year IS 'Release year; null when unknown (0 in the song files).';
COMMENT ON COLUMN songs.duration IS 'Length in seconds.';
COMMENT ON TABLE artists IS 'Dimension: one row per artist_id of the song files, whatever the number of spellings of its name.';
COMMENT ON COLUMN artists.artist_id IS 'The artist''s id in the song files.';
COMMENT ON COLUMN artists.name IS 'Name; where the song files spell it several ways, one spelling picked deterministically.';
COMMENT ON COLUMN artists.location IS 'Where the artist is from, free text; null when not given.';
COMMENT ON COLUMN artists.latitude IS 'Latitude in degrees; null when not given.';
COMMENT ON COLUMN artists.longitude IS 'Longitude in degrees; null when not given.';
COMMENT ON TABLE time IS 'Dimension: one row per distinct songplays.start_time, broken into units (UTC).';
COMMENT ON COLUMN time.start_time IS 'A song play''s start time, UTC (songplays.start_time).';
COMMENT ON COLUMN time.hour IS 'Hour of the day, 0-23, UTC.';
COMMENT ON COLUMN time.day IS 'Day of the month, 1-31.';
COMMENT ON COLUMN time.week IS 'ISO 8601 week of the year, 1-53 (weeks start on Monday).';
COMMENT ON COLUMN time.month IS 'Month, 1-12.';
COMMENT ON COLUMN time.year IS 'Calendar year.';
COMMENT ON COLUMN time.weekday IS 'Day of the week: 0 = Sunday, 1 = Monday, ..., 6 = Saturday.';
COMMENT ON TABLE sparkify_song_catalogue IS 'Internal to the load: every song with its artist''s name as spelled in the song''s own file, which plays are matched against. Not for analysis: use songs and artists.';
INSERT INTO sparkify_schema_version (version) VALUES (2);

-- migration 3 (sql/postgres/schema/0003_loads.sql), run only when the recorded schema version is below 3
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
INSERT INTO sparkify_schema_version (version) VALUES (3);

-- migration 4 (sql/postgres/schema/0004_incremental.sql), run only when the recorded schema version is below 4
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
INSERT INTO sparkify_schema_version (version) VALUES (4);

-- migration 5 (sql/shared/schema/0005_load_rows.sql), run only when the recorded schema version is below 5
-- The rows of each star table after a load, in its row of sparkify_loads
-- (the same on both engines). A load that stages nothing new changes no table: it reports these counts
-- from the load before it instead of counting every table again.
ALTER TABLE sparkify_loads ADD COLUMN songplays_rows BIGINT;
ALTER TABLE sparkify_loads ADD COLUMN users_rows BIGINT;
ALTER TABLE sparkify_loads ADD COLUMN songs_rows BIGINT;
ALTER TABLE sparkify_loads ADD COLUMN artists_rows BIGINT;
ALTER TABLE sparkify_loads ADD COLUMN time_rows BIGINT;
COMMENT ON COLUMN sparkify_loads.songplays_rows IS 'Rows of songplays after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.users_rows IS 'Rows of users after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.songs_rows IS 'Rows of songs after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.artists_rows IS 'Rows of artists after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.time_rows IS 'Rows of time after the load (committed loads).';
INSERT INTO sparkify_schema_version (version) VALUES (5);

-- migration 6 (sql/postgres/schema/0006_lineage.sql), run only when the recorded schema version is below 6
-- Lineage, Postgres dialect (the same tables as redshift/schema/0006_lineage.sql).
-- The star tables must equal one full load of the sources as they are now,
-- whatever the sequence of loads: a rewritten object replaces what it held
-- before, and (SPARKIFY_DELETED_SOURCES=retract) a deleted one takes its
-- rows with it. So every record the star tables are derived from is kept
-- with the object it came from (source_object: a 64-bit hash of the
-- object's URI, computed by the job), and a load recomputes the keys its
-- objects touch from these records. The ledger moves to sparkify_objects:
-- a warehouse loaded before lineage has no records, so the first load after
-- this migration finds no ledger and rebuilds every star table.
DROP TABLE IF EXISTS sparkify_unmatched_plays;
DROP TABLE IF EXISTS sparkify_source_objects;
CREATE TABLE IF NOT EXISTS sparkify_objects (
    uri       VARCHAR(1024) COLLATE "C" NOT NULL,
    object_id BIGINT NOT NULL,
    version   VARCHAR(128) NOT NULL,
    load_id   VARCHAR(64) NOT NULL,
    PRIMARY KEY (uri)
);
CREATE INDEX IF NOT EXISTS sparkify_objects_object_id ON sparkify_objects (object_id);
-- One row per record of each song file.
CREATE TABLE IF NOT EXISTS sparkify_song_records (
    source_object    BIGINT NOT NULL,
    song_id          VARCHAR(32) COLLATE "C",
    title            TEXT COLLATE "C",
    artist_id        VARCHAR(32) COLLATE "C",
    artist_name      TEXT COLLATE "C",
    year             INTEGER,
    duration         DOUBLE PRECISION,
    artist_location  TEXT COLLATE "C",
    artist_latitude  DOUBLE PRECISION,
    artist_longitude DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS sparkify_song_records_object ON sparkify_song_records (source_object);
CREATE INDEX IF NOT EXISTS sparkify_song_records_song ON sparkify_song_records (song_id);
CREATE INDEX IF NOT EXISTS sparkify_song_records_artist ON sparkify_song_records (artist_id);
-- One row per song play (NextSong event) of each log object, with what
-- matching it to a song needs.
CREATE TABLE IF NOT EXISTS sparkify_play_records (
    source_object   BIGINT NOT NULL,
    user_id         INTEGER NOT NULL,
    session_id      INTEGER NOT NULL,
    item_in_session INTEGER NOT NULL,
    start_time      TIMESTAMP NOT NULL,
    level           VARCHAR(16) COLLATE "C",
    song            TEXT COLLATE "C",
    artist          TEXT COLLATE "C",
    length          DOUBLE PRECISION,
    location        TEXT COLLATE "C",
    user_agent      TEXT COLLATE "C",
    PRIMARY KEY (user_id, session_id, item_in_session, source_object)
);
CREATE INDEX IF NOT EXISTS sparkify_play_records_object ON sparkify_play_records (source_object);
-- One row per user of each log object: that user's latest event in it.
CREATE TABLE IF NOT EXISTS sparkify_user_records (
    source_object   BIGINT NOT NULL,
    user_id         INTEGER NOT NULL,
    first_name      TEXT COLLATE "C",
    last_name       TEXT COLLATE "C",
    gender          VARCHAR(16) COLLATE "C",
    level           VARCHAR(16) COLLATE "C",
    last_seen_at    TIMESTAMP NOT NULL,
    session_id      INTEGER,
    item_in_session INTEGER,
    PRIMARY KEY (user_id, source_object)
);
CREATE INDEX IF NOT EXISTS sparkify_user_records_object ON sparkify_user_records (source_object);
-- The star tables' rows loaded before lineage have no records: they are
-- removed here, in the load's transaction, and that load (which finds no
-- ledger) writes them again from every object of the sources.
DELETE FROM songplays;
DELETE FROM time;
DELETE FROM users;
DELETE FROM songs;
DELETE FROM artists;
DELETE FROM sparkify_song_catalogue;
COMMENT ON TABLE sparkify_objects IS 'The ledger of source objects the warehouse holds (uri, version): a load stages only new or changed objects.';
COMMENT ON TABLE sparkify_song_records IS 'Internal to the load: every song record with the object it came from (source_object), which songs, artists and the catalogue are derived from.';
COMMENT ON TABLE sparkify_play_records IS 'Internal to the load: every song play with the log object it came from (source_object), which songplays and time are derived from.';
COMMENT ON TABLE sparkify_user_records IS 'Internal to the load: each user''s latest event in each log object (source_object), which users is derived from.';
INSERT INTO sparkify_schema_version (version) VALUES (6);

-- migration 7 (sql/postgres/schema/0007_rollups.sql), run only when the recorded schema version is below 7
-- Rollups, Postgres dialect (the same tables as redshift/schema/0007_rollups.sql).
-- Small aggregates of songplays that every load keeps in its own
-- transaction (sql/shared/transform/07_rollups.sql), so that the report
-- reads rows in proportion to the days of its period, not the plays of the
-- whole history. They hold no column of users, songs or artists, which can
-- change without their plays changing: the report joins those at its own
-- time. A day's rows are recomputed whenever one of its plays may have
-- changed; the all-history totals (rollup_songs, rollup_artists) move by the
-- difference.

-- Per UTC day and hour (UTC): plays, matched and paid plays, the distinct
-- start times (time's rows) and the first and last play.
CREATE TABLE IF NOT EXISTS rollup_hours (
    play_date     DATE NOT NULL,
    hour          INTEGER NOT NULL,
    plays         BIGINT NOT NULL,
    matched_plays BIGINT NOT NULL,
    paid_plays    BIGINT NOT NULL,
    start_times   BIGINT NOT NULL,
    first_play    TIMESTAMP NOT NULL,
    last_play     TIMESTAMP NOT NULL,
    PRIMARY KEY (play_date, hour)
);
-- Per day, user and level at the time of play ('' for NULL).
CREATE TABLE IF NOT EXISTS rollup_user_days (
    play_date  DATE NOT NULL,
    user_id    INTEGER NOT NULL,
    level      VARCHAR(16) COLLATE "C" NOT NULL,
    plays      BIGINT NOT NULL,
    first_play TIMESTAMP NOT NULL,
    last_play  TIMESTAMP NOT NULL,
    PRIMARY KEY (play_date, user_id, level)
);
-- Per day and session (user_id, session_id).
CREATE TABLE IF NOT EXISTS rollup_sessions (
    play_date  DATE NOT NULL,
    user_id    INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    plays      BIGINT NOT NULL,
    PRIMARY KEY (play_date, user_id, session_id)
);
-- Per day and song, among the plays matched to the catalogue.
CREATE TABLE IF NOT EXISTS rollup_song_days (
    play_date DATE NOT NULL,
    song_id   VARCHAR(32) COLLATE "C" NOT NULL,
    artist_id VARCHAR(32) COLLATE "C",
    plays     BIGINT NOT NULL,
    PRIMARY KEY (play_date, song_id)
);
-- All-history plays per song and per artist. A day's load updates the row
-- of every song played that day: pages are left half empty so that an
-- update stays on its page and leaves the index alone (a HOT update).
CREATE TABLE IF NOT EXISTS rollup_songs (
    song_id VARCHAR(32) COLLATE "C" NOT NULL,
    plays   BIGINT NOT NULL,
    PRIMARY KEY (song_id)
) WITH (fillfactor = 50);
CREATE TABLE IF NOT EXISTS rollup_artists (
    artist_id VARCHAR(32) COLLATE "C" NOT NULL,
    plays     BIGINT NOT NULL,
    PRIMARY KEY (artist_id)
) WITH (fillfactor = 50);
-- The rollups of the plays already loaded: the load that runs this
-- migration then keeps them (sql/shared/transform/07_rollups.sql). The
-- per-day rows go in in day order, as later loads append them, so that a
-- period's days are neighbours on disk and its range scan reads few pages.
INSERT INTO rollup_hours (play_date, hour, plays, matched_plays, paid_plays, start_times, first_play, last_play)
SELECT CAST(start_time AS DATE), CAST(EXTRACT(hour FROM start_time) AS INTEGER),
       COUNT(*), COUNT(song_id), COUNT(CASE WHEN level = 'paid' THEN 1 END),
       COUNT(DISTINCT start_time), MIN(start_time), MAX(start_time)
FROM songplays
GROUP BY CAST(start_time AS DATE), CAST(EXTRACT(hour FROM start_time) AS INTEGER)
ORDER BY 1, 2;
INSERT INTO rollup_user_days (play_date, user_id, level, plays, first_play, last_play)
SELECT CAST(start_time AS DATE), user_id, COALESCE(level, ''), COUNT(*), MIN(start_time), MAX(start_time)
FROM songplays
GROUP BY CAST(start_time AS DATE), user_id, COALESCE(level, '')
ORDER BY 1, 2;
INSERT INTO rollup_sessions (play_date, user_id, session_id, plays)
SELECT CAST(start_time AS DATE), user_id, session_id, COUNT(*)
FROM songplays
GROUP BY CAST(start_time AS DATE), user_id, session_id
ORDER BY 1, 2, 3;
INSERT INTO rollup_song_days (play_date, song_id, artist_id, plays)
SELECT CAST(start_time AS DATE), song_id, artist_id, COUNT(*)
FROM songplays
WHERE song_id IS NOT NULL
GROUP BY CAST(start_time AS DATE), song_id, artist_id
ORDER BY 1, 2;
INSERT INTO rollup_songs (song_id, plays)
SELECT song_id, COUNT(*)
FROM songplays
WHERE song_id IS NOT NULL
GROUP BY song_id;
INSERT INTO rollup_artists (artist_id, plays)
SELECT artist_id, COUNT(*)
FROM songplays
WHERE artist_id IS NOT NULL
GROUP BY artist_id;
INSERT INTO sparkify_schema_version (version) VALUES (7);

-- migration 8 (sql/postgres/schema/0008_rollup_totals.sql), run only when the recorded schema version is below 8
-- All-history rollups, Postgres dialect (the same tables as
-- redshift/schema/0008_rollup_totals.sql). A report over all history reads
-- these instead of the per-day rows of every user and session
-- (0007_rollups.sql), so that it reads rows in proportion to the users and
-- the days, not to the days times the users. The load keeps them in its own
-- transaction (sql/shared/transform/07_rollups.sql).

-- rollup_songs also keeps each song's artist (the artist_id of its plays),
-- and the all-history plays per artist are summed from it: a day's load
-- then updates one total per song played instead of one per song and one
-- per artist, and rollup_artists goes. The table is made again (filled
-- below): a day's load updates the rows of the songs played that day, a
-- sixth of them here, so a fifth of each page is left free for those
-- updates to stay on their page (HOT) while the table keeps few pages, each
-- of which the update writes whole to the WAL after a checkpoint.
DROP TABLE IF EXISTS rollup_artists;
DROP TABLE IF EXISTS rollup_songs;
CREATE TABLE rollup_songs (
    song_id   VARCHAR(32) COLLATE "C" NOT NULL,
    artist_id VARCHAR(32) COLLATE "C",
    plays     BIGINT NOT NULL,
    PRIMARY KEY (song_id)
) WITH (fillfactor = 80);
-- All-history figures per user with plays: plays, and the first and last
-- play at each level (NULL when none), for the top users and the level
-- changes. gender is the user's gender as rollup_gender_days counts it (the
-- users row's, '' for NULL or no row): a load that changes it moves the
-- user's plays there. A day's load updates the row of every user who played
-- that day: pages are left half empty so that the update stays on its page
-- (a HOT update).
CREATE TABLE IF NOT EXISTS rollup_users (
    user_id    INTEGER NOT NULL,
    gender     VARCHAR(16) COLLATE "C" NOT NULL,
    plays      BIGINT NOT NULL,
    first_free TIMESTAMP,
    last_free  TIMESTAMP,
    first_paid TIMESTAMP,
    last_paid  TIMESTAMP,
    PRIMARY KEY (user_id)
) WITH (fillfactor = 50);
-- Per day, the user's gender as it is now ('' for NULL) and the level at
-- the time of play: the plays per day chart.
CREATE TABLE IF NOT EXISTS rollup_gender_days (
    play_date DATE NOT NULL,
    gender    VARCHAR(16) COLLATE "C" NOT NULL,
    level     VARCHAR(16) COLLATE "C" NOT NULL,
    plays     BIGINT NOT NULL,
    PRIMARY KEY (play_date, gender, level)
);
-- Per day, the sessions with a play that day (rows of rollup_sessions).
CREATE TABLE IF NOT EXISTS rollup_day_sessions (
    play_date DATE NOT NULL,
    sessions  BIGINT NOT NULL,
    PRIMARY KEY (play_date)
);
-- One row: the distinct sessions (user_id, session_id) of all history. A
-- session that spans midnight counts once.
CREATE TABLE IF NOT EXISTS rollup_totals (
    sessions BIGINT NOT NULL
);
-- A load finds a user's days (a user whose first or last play may be gone,
-- or whose gender changed) and whether a session has plays on other days.
CREATE INDEX IF NOT EXISTS rollup_user_days_user ON rollup_user_days (user_id);
CREATE INDEX IF NOT EXISTS rollup_sessions_session ON rollup_sessions (user_id, session_id);
-- The rollups of the plays already loaded (the sessions per day from
-- rollup_sessions, which migration 7 filled).
INSERT INTO rollup_users (user_id, gender, plays, first_free, last_free, first_paid, last_paid)
SELECT p.user_id, COALESCE(u.gender, ''), p.plays, p.first_free, p.last_free, p.first_paid, p.last_paid
FROM (
    SELECT user_id, COUNT(*) AS plays,
           MIN(CASE WHEN level = 'free' THEN start_time END) AS first_free,
           MAX(CASE WHEN level = 'free' THEN start_time END) AS last_free,
           MIN(CASE WHEN level = 'paid' THEN start_time END) AS first_paid,
           MAX(CASE WHEN level = 'paid' THEN start_time END) AS last_paid
    FROM songplays
    GROUP BY user_id
) p
LEFT JOIN users u ON u.user_id = p.user_id;
INSERT INTO rollup_gender_days (play_date, gender, level, plays)
SELECT CAST(s.start_time AS DATE), COALESCE(u.gender, ''), COALESCE(s.level, ''), COUNT(*)
FROM songplays s
LEFT JOIN users u ON u.user_id = s.user_id
GROUP BY CAST(s.start_time AS DATE), COALESCE(u.gender, ''), COALESCE(s.level, '')
ORDER BY 1, 2, 3;
INSERT INTO rollup_day_sessions (play_date, sessions)
SELECT play_date, COUNT(*)
FROM rollup_sessions
GROUP BY play_date
ORDER BY 1;
INSERT INTO rollup_totals (sessions)
SELECT COUNT(*)
FROM (SELECT DISTINCT user_id, session_id FROM songplays) s;
INSERT INTO rollup_songs (song_id, artist_id, plays)
SELECT song_id, artist_id, COUNT(*)
FROM songplays
WHERE song_id IS NOT NULL
GROUP BY song_id, artist_id;
INSERT INTO sparkify_schema_version (version) VALUES (8);

-- sql/postgres/staging.sql
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

-- stage staging_songs: rows decoded by the job from every .json object under s3://udacity-dend/song_data
COPY staging_songs (num_songs, artist_id, artist_latitude, artist_longitude, artist_location, artist_name, song_id, title, duration, year, source_object) FROM STDIN (FORMAT binary);

-- stage staging_events: rows decoded by the job from every .json object under s3://udacity-dend/log_data
COPY staging_events (artist, auth, first_name, gender, item_in_session, last_name, length, level, location, method, page, registration, session_id, song, status, ts, user_agent, user_id, source_object) FROM STDIN (FORMAT binary);

-- sql/shared/rebuild/01_rebuild.sql
-- A rebuild: the first load, the first load after the upgrade that added
-- lineage, and every full refresh (-full-refresh, SPARKIFY_FULL_REFRESH=true,
-- and each Redshift load without SPARKIFY_STAGING_URI). The load takes
-- every object of the sources as they are now, and every object the
-- warehouse holds records of is replaced (load_objects, retracted: its
-- records give way to what is staged now, and it stays in the ledger only if
-- it was staged). So every key is recomputed from the sources as they are,
-- and the load ends equal to a fresh database; rows that stay as they were
-- are left alone, so a rebuild of unchanged sources changes no row.
INSERT INTO load_objects (uri, version, object_id, retracted)
SELECT '', '', source_object, 1
FROM (
    SELECT source_object FROM sparkify_play_records
    UNION
    SELECT source_object FROM sparkify_song_records
    UNION
    SELECT source_object FROM sparkify_user_records
) o;
DELETE FROM sparkify_objects;

-- sql/shared/rebuild/02_rollups.sql
-- A rebuild counts the rollups again from nothing: their rows go here (the
-- count of sessions, rollup_totals' one row, goes to 0), and
-- sql/shared/transform/07_rollups.sql writes every day with plays and the
-- totals anew.
DELETE FROM rollup_hours;
DELETE FROM rollup_user_days;
DELETE FROM rollup_sessions;
DELETE FROM rollup_song_days;
DELETE FROM rollup_songs;
DELETE FROM rollup_users;
DELETE FROM rollup_gender_days;
DELETE FROM rollup_day_sessions;
UPDATE rollup_totals SET sessions = 0;

-- sql/shared/transform/00_staging_checks.sql
-- Checks on what was staged, before anything is transformed. The shared
-- transforms cast userId to INTEGER; a value that is not a number would
-- otherwise abort the load with a cast error on one engine and not name the
-- key. Both targets stage userId as text and fail here, naming it.
-- check: log events whose userId is neither empty nor a number of up to 9 digits (fix those events in the log files)
SELECT COUNT(*) FROM staging_events
WHERE user_id <> '' AND NOT (user_id SIMILAR TO '[0-9]{1,9}');

-- sql/shared/transform/00_statistics.sql
-- Planner statistics. Postgres never analyzes temporary tables by itself
-- (autovacuum cannot reach them); without statistics it guesses, for
-- example, 200 distinct start times among a million plays and chooses
-- nested loops. So every table the load stages or derives is analyzed once
-- it is filled, on the columns that its joins, filters and groups use
-- (sampling every column of staging_events costs ten times as much). Redshift analyzes tables filled by COPY into an empty
-- table and by CREATE TEMP TABLE AS on its own (Analyzing tables, in its
-- Database Developer Guide), and ANALYZE then skips them (fewer than
-- analyze_threshold_percent of their rows changed).
ANALYZE staging_songs (song_id, artist_id);
ANALYZE staging_events (page, user_id, session_id, item_in_session, ts);

-- sql/shared/transform/01_plays.sql
-- Lineage first: the records of the objects this load replaces (load_objects,
-- written by the job after staging: every object staged, and with
-- SPARKIFY_DELETED_SOURCES=retract every object gone from the source) give
-- way to what was staged from them. The star tables are then recomputed for
-- exactly the keys those records and the staged ones carry, from every
-- object's records, as one load of all the sources would compute them.
-- source_object is null where Redshift's COPY staged the rows: 0 stands for
-- "an object of this load".

-- The song plays whose row may change: those the replaced objects held and
-- those staged now. A play is a NextSong event with a userId, identified by
-- (userId, sessionId, itemInSession).
CREATE TEMP TABLE load_play_keys AS
SELECT r.user_id, r.session_id, r.item_in_session
FROM sparkify_play_records r
JOIN load_objects o ON o.object_id = r.source_object
UNION
SELECT CAST(user_id AS INTEGER), session_id, item_in_session
FROM staging_events
WHERE page = 'NextSong'
  AND user_id <> ''
  AND ts IS NOT NULL
  AND session_id IS NOT NULL
  AND item_in_session IS NOT NULL;
ANALYZE load_play_keys;
DELETE FROM sparkify_play_records USING load_objects
WHERE sparkify_play_records.source_object = load_objects.object_id;
-- Each object's plays; an event twice in one object counts once (the first
-- by its values, so the pick does not depend on line order).
INSERT INTO sparkify_play_records (source_object, user_id, session_id, item_in_session,
                                   start_time, level, song, artist, length, location, user_agent)
SELECT source_object, user_id, session_id, item_in_session,
       start_time, level, song, artist, length, location, user_agent
FROM (
    SELECT COALESCE(source_object, 0) AS source_object,
           CAST(user_id AS INTEGER) AS user_id, session_id, item_in_session,
           ts AS start_time, level, song, artist, length, location, user_agent,
           ROW_NUMBER() OVER (
               PARTITION BY COALESCE(source_object, 0), CAST(user_id AS INTEGER), session_id, item_in_session
               ORDER BY ts, level, location, user_agent, song, artist, length
           ) AS n
    FROM staging_events
    WHERE page = 'NextSong'
      AND user_id <> ''
      AND ts IS NOT NULL
      AND session_id IS NOT NULL
      AND item_in_session IS NOT NULL
) e
WHERE n = 1;

-- sql/shared/transform/02_songs.sql
-- songs: one row per song_id; year 0 (unknown) becomes null. The song and
-- artist ids the load touches are those of the replaced objects' records and
-- of the staged ones; each is recomputed from the records of every object
-- that carries it. When records disagree, they are ranked by their values,
-- so the winner does not depend on file order or on how the data was split
-- across loads. The winner's artist name, as spelled in its file, goes to
-- sparkify_song_catalogue for matching plays. Keys lose trailing blanks:
-- Redshift ignores them when it compares, so 'SOX' and 'SOX ' are one song
-- there, and must be one here too. DELETE ... USING names its tables without
-- aliases, the form Redshift documents.
CREATE TEMP TABLE load_song_keys AS
SELECT r.song_id, r.artist_id
FROM sparkify_song_records r
JOIN load_objects o ON o.object_id = r.source_object
UNION
SELECT RTRIM(song_id), RTRIM(artist_id)
FROM staging_songs;
ANALYZE load_song_keys;
DELETE FROM sparkify_song_records USING load_objects
WHERE sparkify_song_records.source_object = load_objects.object_id;
INSERT INTO sparkify_song_records (source_object, song_id, title, artist_id, artist_name, year,
                                   duration, artist_location, artist_latitude, artist_longitude)
SELECT COALESCE(source_object, 0), RTRIM(song_id), title, RTRIM(artist_id), artist_name,
       NULLIF(year, 0), duration, NULLIF(artist_location, ''), artist_latitude, artist_longitude
FROM staging_songs;
-- Each touched song as one load of every object makes it.
CREATE TEMP TABLE load_song_picks AS
SELECT song_id, title, artist_id, artist_name, year, duration
FROM (
    SELECT song_id, title, artist_id, artist_name, year, duration,
           ROW_NUMBER() OVER (
               PARTITION BY song_id
               ORDER BY title NULLS LAST, artist_id NULLS LAST, year NULLS LAST,
                        duration NULLS LAST, artist_name NULLS LAST
           ) AS n
    FROM sparkify_song_records
    WHERE song_id IN (SELECT song_id FROM load_song_keys)
      AND song_id <> ''
) r
WHERE n = 1;
-- Songs whose every record is gone.
-- metric: songs.deleted
DELETE FROM songs
WHERE song_id IN (SELECT song_id FROM load_song_keys)
  AND song_id NOT IN (SELECT song_id FROM load_song_picks);
DELETE FROM sparkify_song_catalogue
WHERE song_id IN (SELECT song_id FROM load_song_keys)
  AND song_id NOT IN (SELECT song_id FROM load_song_picks);
-- load_songs: the songs that are new or differ from their row, in songs or
-- in the catalogue; a song that stays as it is is left alone.
CREATE TEMP TABLE load_songs AS
SELECT p.song_id, p.title, p.artist_id, p.artist_name, p.year, p.duration
FROM load_song_picks p
WHERE NOT EXISTS (
    SELECT 1 FROM songs s
    JOIN sparkify_song_catalogue c ON c.song_id = s.song_id
    WHERE s.song_id = p.song_id
      AND COALESCE(s.title = p.title, s.title IS NULL AND p.title IS NULL)
      AND COALESCE(s.artist_id = p.artist_id, s.artist_id IS NULL AND p.artist_id IS NULL)
      AND COALESCE(s.year = p.year, s.year IS NULL AND p.year IS NULL)
      AND COALESCE(s.duration = p.duration, s.duration IS NULL AND p.duration IS NULL)
      AND COALESCE(c.artist_name = p.artist_name, c.artist_name IS NULL AND p.artist_name IS NULL)
);
ANALYZE load_songs (song_id, title, artist_name);
-- metric: songs.replaced
DELETE FROM songs USING load_songs WHERE songs.song_id = load_songs.song_id;
-- metric: songs.written
INSERT INTO songs (song_id, title, artist_id, year, duration)
SELECT song_id, title, artist_id, year, duration
FROM load_songs;
DELETE FROM sparkify_song_catalogue USING load_songs
WHERE sparkify_song_catalogue.song_id = load_songs.song_id;
INSERT INTO sparkify_song_catalogue (song_id, artist_id, title, artist_name, duration)
SELECT song_id, artist_id, title, artist_name, duration
FROM load_songs;

-- sql/shared/transform/03_artists.sql
-- artists: one row per artist_id; "" locations become null. The same
-- artist_id comes with several spellings of its name: the records of every
-- object that carries a touched artist_id are ranked by their values, so the
-- pick is the same whatever the file order or the split of the data across
-- loads.
CREATE TEMP TABLE load_artist_picks AS
SELECT artist_id, name, location, latitude, longitude
FROM (
    SELECT artist_id, artist_name AS name, artist_location AS location,
           artist_latitude AS latitude, artist_longitude AS longitude,
           ROW_NUMBER() OVER (
               PARTITION BY artist_id
               ORDER BY artist_name NULLS LAST, artist_location NULLS LAST,
                        artist_latitude NULLS LAST, artist_longitude NULLS LAST
           ) AS n
    FROM sparkify_song_records
    WHERE artist_id IN (SELECT artist_id FROM load_song_keys)
      AND artist_id <> ''
) r
WHERE n = 1;
-- Artists whose every record is gone.
-- metric: artists.deleted
DELETE FROM artists
WHERE artist_id IN (SELECT artist_id FROM load_song_keys)
  AND artist_id NOT IN (SELECT artist_id FROM load_artist_picks);
-- load_artists: the artists that are new or differ from their row; an
-- artist that stays as it is is left alone.
CREATE TEMP TABLE load_artists AS
SELECT p.artist_id, p.name, p.location, p.latitude, p.longitude
FROM load_artist_picks p
WHERE NOT EXISTS (
    SELECT 1 FROM artists a
    WHERE a.artist_id = p.artist_id
      AND COALESCE(a.name = p.name, a.name IS NULL AND p.name IS NULL)
      AND COALESCE(a.location = p.location, a.location IS NULL AND p.location IS NULL)
      AND COALESCE(a.latitude = p.latitude, a.latitude IS NULL AND p.latitude IS NULL)
      AND COALESCE(a.longitude = p.longitude, a.longitude IS NULL AND p.longitude IS NULL)
);
ANALYZE load_artists (artist_id);
-- metric: artists.replaced
DELETE FROM artists USING load_artists WHERE artists.artist_id = load_artists.artist_id;
-- metric: artists.written
INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, name, location, latitude, longitude
FROM load_artists;

-- sql/shared/transform/04_users.sql
-- users: one row per user id seen in the logs, with name, gender and level
-- from the user's latest event over every log object. Each object keeps its
-- latest event per user (sparkify_user_records), so a user touched by this
-- load is recomputed from those rows, and re-loading, back-filling or
-- rewriting old days gives the row one load of every day would give.
CREATE TEMP TABLE load_user_keys AS
SELECT r.user_id
FROM sparkify_user_records r
JOIN load_objects o ON o.object_id = r.source_object
UNION
SELECT CAST(user_id AS INTEGER)
FROM staging_events
WHERE user_id <> '' AND ts IS NOT NULL;
ANALYZE load_user_keys;
DELETE FROM sparkify_user_records USING load_objects
WHERE sparkify_user_records.source_object = load_objects.object_id;
INSERT INTO sparkify_user_records (source_object, user_id, first_name, last_name, gender, level,
                                   last_seen_at, session_id, item_in_session)
SELECT source_object, user_id, first_name, last_name, gender, level, last_seen_at,
       session_id, item_in_session
FROM (
    SELECT COALESCE(source_object, 0) AS source_object, CAST(user_id AS INTEGER) AS user_id,
           first_name, last_name, gender, level, ts AS last_seen_at, session_id, item_in_session,
           ROW_NUMBER() OVER (
               PARTITION BY COALESCE(source_object, 0), CAST(user_id AS INTEGER)
               ORDER BY ts DESC, session_id DESC, item_in_session DESC,
                        level, first_name, last_name, gender
           ) AS n
    FROM staging_events
    WHERE user_id <> '' AND ts IS NOT NULL
) e
WHERE n = 1;
CREATE TEMP TABLE load_users AS
SELECT user_id, first_name, last_name, gender, level, last_seen_at
FROM (
    SELECT user_id, first_name, last_name, gender, level, last_seen_at,
           ROW_NUMBER() OVER (
               PARTITION BY user_id
               ORDER BY last_seen_at DESC, session_id DESC, item_in_session DESC,
                        level, first_name, last_name, gender
           ) AS n
    FROM sparkify_user_records
    WHERE user_id IN (SELECT user_id FROM load_user_keys)
) e
WHERE n = 1;
ANALYZE load_users (user_id);
-- Users whose every event is gone.
-- metric: users.deleted
DELETE FROM users
WHERE user_id IN (SELECT user_id FROM load_user_keys)
  AND user_id NOT IN (SELECT user_id FROM load_users);
-- Rows that stay as they are are left alone.
DELETE FROM load_users USING users
WHERE load_users.user_id = users.user_id
  AND load_users.last_seen_at = users.last_seen_at
  AND COALESCE(load_users.first_name = users.first_name, load_users.first_name IS NULL AND users.first_name IS NULL)
  AND COALESCE(load_users.last_name = users.last_name, load_users.last_name IS NULL AND users.last_name IS NULL)
  AND COALESCE(load_users.gender = users.gender, load_users.gender IS NULL AND users.gender IS NULL)
  AND COALESCE(load_users.level = users.level, load_users.level IS NULL AND users.level IS NULL);
-- metric: users.replaced
DELETE FROM users USING load_users WHERE users.user_id = load_users.user_id;
-- metric: users.written
INSERT INTO users (user_id, first_name, last_name, gender, level, last_seen_at)
SELECT user_id, first_name, last_name, gender, level, last_seen_at
FROM load_users;

-- sql/shared/transform/05_songplays.sql
-- songplays: one row per song play over every log object, matched to a song
-- when title and artist name agree with the song's own file
-- (sparkify_song_catalogue) and the durations agree within a millisecond
-- (double precision). Trailing blanks are ignored, as Redshift ignores them
-- when it compares VARCHARs. When several songs match, the smallest song_id
-- wins. The plays recomputed are those whose records changed
-- (load_play_keys), those matched to a song this load touched, and those
-- whose title, artist and length match a song this load wrote: a load costs
-- what it brings, not what the warehouse holds.
CREATE TEMP TABLE load_keys AS
SELECT user_id, session_id, item_in_session FROM load_play_keys
UNION
SELECT user_id, session_id, item_in_session
FROM songplays
WHERE song_id IN (SELECT song_id FROM load_song_keys)
UNION
SELECT r.user_id, r.session_id, r.item_in_session
FROM sparkify_play_records r
JOIN load_songs c
  ON RTRIM(c.title) = RTRIM(r.song)
 AND RTRIM(c.artist_name) = RTRIM(r.artist)
 AND ABS(c.duration - r.length) < 0.001;
ANALYZE load_keys;
-- Each play as one load of every object makes it: the first of its records
-- by their values.
CREATE TEMP TABLE load_plays AS
SELECT start_time, user_id, level, song, artist, length, session_id,
       item_in_session, location, user_agent
FROM (
    SELECT r.start_time, r.user_id, r.level, r.song, r.artist, r.length, r.session_id,
           r.item_in_session, r.location, r.user_agent,
           ROW_NUMBER() OVER (
               PARTITION BY r.user_id, r.session_id, r.item_in_session
               ORDER BY r.start_time, r.level, r.location, r.user_agent, r.song, r.artist, r.length
           ) AS n
    FROM sparkify_play_records r
    JOIN load_keys k
      ON k.user_id = r.user_id
     AND k.session_id = r.session_id
     AND k.item_in_session = r.item_in_session
) e
WHERE n = 1;
ANALYZE load_plays (user_id, session_id, item_in_session, song, artist);
CREATE TEMP TABLE load_matches AS
SELECT user_id, session_id, item_in_session, song_id, artist_id
FROM (
    SELECT p.user_id, p.session_id, p.item_in_session, c.song_id, c.artist_id,
           ROW_NUMBER() OVER (
               PARTITION BY p.user_id, p.session_id, p.item_in_session
               ORDER BY c.song_id, c.artist_id
           ) AS n
    FROM load_plays p
    JOIN sparkify_song_catalogue c
      ON RTRIM(c.title) = RTRIM(p.song)
     AND RTRIM(c.artist_name) = RTRIM(p.artist)
     AND ABS(c.duration - p.length) < 0.001
) m
WHERE n = 1;
ANALYZE load_matches (user_id, session_id, item_in_session);
CREATE TEMP TABLE load_songplays AS
SELECT p.start_time, p.user_id, p.level, m.song_id, m.artist_id, p.session_id,
       p.location, p.user_agent, p.item_in_session
FROM load_plays p
LEFT JOIN load_matches m
  ON m.user_id = p.user_id
 AND m.session_id = p.session_id
 AND m.item_in_session = p.item_in_session;
ANALYZE load_songplays (user_id, session_id, item_in_session, start_time);
-- The start times whose time row may change: those of the rows about to
-- change, and those of the plays as they are now (sql/shared/transform/06_time.sql).
CREATE TEMP TABLE load_times AS
SELECT s.start_time
FROM songplays s
JOIN load_keys k
  ON k.user_id = s.user_id
 AND k.session_id = s.session_id
 AND k.item_in_session = s.item_in_session
UNION
SELECT start_time FROM load_songplays;
-- Plays whose every record is gone.
-- metric: songplays.deleted
DELETE FROM songplays USING load_keys
WHERE songplays.user_id = load_keys.user_id
  AND songplays.session_id = load_keys.session_id
  AND songplays.item_in_session = load_keys.item_in_session
  AND NOT EXISTS (
      SELECT 1 FROM load_songplays p
      WHERE p.user_id = load_keys.user_id
        AND p.session_id = load_keys.session_id
        AND p.item_in_session = load_keys.item_in_session
  );
-- Plays already in songplays take their values as they are now: a song that
-- arrived, changed or went, or a rewritten event. A row that stays as it is
-- is left alone.
-- metric: songplays.updated
UPDATE songplays
SET start_time = p.start_time, level = p.level, song_id = p.song_id, artist_id = p.artist_id,
    location = p.location, user_agent = p.user_agent
FROM load_songplays p
WHERE songplays.user_id = p.user_id
  AND songplays.session_id = p.session_id
  AND songplays.item_in_session = p.item_in_session
  AND NOT (songplays.start_time = p.start_time
           AND COALESCE(songplays.level = p.level, songplays.level IS NULL AND p.level IS NULL)
           AND COALESCE(songplays.song_id = p.song_id, songplays.song_id IS NULL AND p.song_id IS NULL)
           AND COALESCE(songplays.artist_id = p.artist_id, songplays.artist_id IS NULL AND p.artist_id IS NULL)
           AND COALESCE(songplays.location = p.location, songplays.location IS NULL AND p.location IS NULL)
           AND COALESCE(songplays.user_agent = p.user_agent, songplays.user_agent IS NULL AND p.user_agent IS NULL));
-- songplay_id continues the existing sequence in time order, so loading day
-- 1 and then day 2 numbers the plays as loading both days at once does.
-- load_bounds keeps where this load's ids start: the checks look at the
-- rows this load wrote (sql/shared/checks/).
CREATE TEMP TABLE load_bounds AS
SELECT COALESCE(MAX(songplay_id), 0) AS last_songplay_id FROM songplays;
-- metric: songplays.written
INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id,
                       artist_id, session_id, location, user_agent,
                       item_in_session)
SELECT (SELECT last_songplay_id FROM load_bounds) + ROW_NUMBER() OVER (
           ORDER BY p.start_time, p.user_id, p.session_id, p.item_in_session
       ),
       p.start_time, p.user_id, p.level, p.song_id, p.artist_id, p.session_id,
       p.location, p.user_agent, p.item_in_session
FROM load_songplays p
WHERE NOT EXISTS (
    SELECT 1 FROM songplays s
    WHERE s.user_id = p.user_id
      AND s.session_id = p.session_id
      AND s.item_in_session = p.item_in_session
);

-- sql/shared/transform/06_time.sql
-- time: one row per distinct song-play start_time; weekday 0 = Sunday. Only
-- the start times of the plays this load changed can gain or lose their row
-- (load_times). Rows go in in time order, the order of time's key, so that
-- its index grows at its end instead of being written all over.
-- metric: time.deleted
DELETE FROM time USING load_times
WHERE time.start_time = load_times.start_time
  AND NOT EXISTS (SELECT 1 FROM songplays s WHERE s.start_time = load_times.start_time);
-- metric: time.written
INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT start_time,
       EXTRACT(hour FROM start_time),
       EXTRACT(day FROM start_time),
       EXTRACT(week FROM start_time),
       EXTRACT(month FROM start_time),
       EXTRACT(year FROM start_time),
       EXTRACT(dow FROM start_time)
FROM (
    SELECT DISTINCT l.start_time FROM load_times l
    WHERE EXISTS (SELECT 1 FROM songplays s WHERE s.start_time = l.start_time)
) t
WHERE NOT EXISTS (SELECT 1 FROM time x WHERE x.start_time = t.start_time)
ORDER BY start_time;

-- sql/shared/transform/07_rollups.sql
-- Rollups (postgres/schema/0007_rollups.sql and 0008_rollup_totals.sql):
-- the report reads these small aggregates instead of songplays. The days to
-- recompute are those of every start time whose plays may have changed in
-- this load, before and after (load_times, sql/shared/transform/
-- 05_songplays.sql); a rebuild recomputes every key, so it recomputes every
-- day. Each such day's rows are deleted and counted again from songplays as
-- it is now; the all-history totals per song (with its artist) and per
-- user, and the count of sessions, move by the difference between the days'
-- new and old counts. Plays are read through songplays' start_time, one day at a time,
-- so a day's load reads that day's plays only. Rows go in in day order (a
-- rebuild writes every day): a period's days then sit together on disk.
CREATE TEMP TABLE load_days AS
SELECT DISTINCT CAST(start_time AS DATE) AS play_date FROM load_times;
ANALYZE load_days;
-- The matched plays of those days per song, as they are now.
CREATE TEMP TABLE load_song_days AS
SELECT d.play_date, s.song_id, s.artist_id, COUNT(*) AS plays
FROM load_days d
JOIN songplays s
  ON s.start_time >= d.play_date
 AND s.start_time < d.play_date + 1
WHERE s.song_id IS NOT NULL
GROUP BY d.play_date, s.song_id, s.artist_id;
-- How the days' plays per song changed: their new counts less the old ones,
-- and the song's artist in its new rows (present = 1: it has some). Runs
-- before the old rows go. A song whose artist changed has every play matched
-- again, so all its days are among these.
CREATE TEMP TABLE load_song_changes AS
SELECT song_id, SUM(plays) AS plays,
       MAX(CASE WHEN present = 1 THEN artist_id END) AS artist_id,
       MAX(present) AS present
FROM (
    SELECT song_id, artist_id, plays, 1 AS present FROM load_song_days
    UNION ALL
    SELECT r.song_id, r.artist_id, -r.plays, 0
    FROM rollup_song_days r JOIN load_days d ON d.play_date = r.play_date
) c
GROUP BY song_id
HAVING SUM(plays) <> 0
    OR COALESCE(MAX(CASE WHEN present = 1 THEN artist_id END), '')
       <> COALESCE(MAX(CASE WHEN present = 0 THEN artist_id END), '');
ANALYZE load_song_changes;
DELETE FROM rollup_song_days USING load_days
WHERE rollup_song_days.play_date = load_days.play_date;
INSERT INTO rollup_song_days (play_date, song_id, artist_id, plays)
SELECT play_date, song_id, artist_id, plays FROM load_song_days
ORDER BY play_date, song_id;
UPDATE rollup_songs
SET plays = rollup_songs.plays + c.plays,
    artist_id = CASE WHEN c.present = 1 THEN c.artist_id ELSE rollup_songs.artist_id END
FROM load_song_changes c
WHERE rollup_songs.song_id = c.song_id;
-- Songs with their first plays. EXCEPT hashes the day's songs and reads
-- rollup_songs once, where NOT EXISTS hashed all of rollup_songs.
INSERT INTO rollup_songs (song_id, artist_id, plays)
SELECT c.song_id, c.artist_id, c.plays
FROM load_song_changes c
JOIN (SELECT song_id FROM load_song_changes EXCEPT SELECT song_id FROM rollup_songs) n
  ON n.song_id = c.song_id;
-- Only a fall can leave none.
DELETE FROM rollup_songs USING load_song_changes
WHERE rollup_songs.song_id = load_song_changes.song_id
  AND load_song_changes.plays < 0
  AND rollup_songs.plays = 0;
DELETE FROM rollup_hours USING load_days
WHERE rollup_hours.play_date = load_days.play_date;
INSERT INTO rollup_hours (play_date, hour, plays, matched_plays, paid_plays, start_times, first_play, last_play)
SELECT d.play_date, CAST(EXTRACT(hour FROM s.start_time) AS INTEGER),
       COUNT(*), COUNT(s.song_id), COUNT(CASE WHEN s.level = 'paid' THEN 1 END),
       COUNT(DISTINCT s.start_time), MIN(s.start_time), MAX(s.start_time)
FROM load_days d
JOIN songplays s
  ON s.start_time >= d.play_date
 AND s.start_time < d.play_date + 1
GROUP BY d.play_date, CAST(EXTRACT(hour FROM s.start_time) AS INTEGER)
ORDER BY 1, 2;
-- Per user: the days' plays per user and level, as they are now; the
-- all-history figures of each user (rollup_users, postgres/schema/
-- 0008_rollup_totals.sql) move by the difference between the days' new and
-- old counts, and their first and last plays widen to the days' own,
-- unless a stored first or last play falls on one of the days (it may be
-- gone): those users are counted again from all their days.
CREATE TEMP TABLE load_user_days AS
SELECT d.play_date, s.user_id, COALESCE(s.level, '') AS level, COUNT(*) AS plays,
       MIN(s.start_time) AS first_play, MAX(s.start_time) AS last_play
FROM load_days d
JOIN songplays s
  ON s.start_time >= d.play_date
 AND s.start_time < d.play_date + 1
GROUP BY d.play_date, s.user_id, COALESCE(s.level, '');
-- Runs before the days' old rows go.
CREATE TEMP TABLE load_user_changes AS
SELECT user_id, SUM(plays) AS plays,
       MIN(CASE WHEN level = 'free' THEN first_play END) AS first_free,
       MAX(CASE WHEN level = 'free' THEN last_play END) AS last_free,
       MIN(CASE WHEN level = 'paid' THEN first_play END) AS first_paid,
       MAX(CASE WHEN level = 'paid' THEN last_play END) AS last_paid
FROM (
    SELECT user_id, level, plays, first_play, last_play FROM load_user_days
    UNION ALL
    SELECT r.user_id, r.level, -r.plays, CAST(NULL AS TIMESTAMP), CAST(NULL AS TIMESTAMP)
    FROM rollup_user_days r JOIN load_days d ON d.play_date = r.play_date
) c
GROUP BY user_id;
ANALYZE load_user_changes;
CREATE TEMP TABLE load_users_recount AS
SELECT DISTINCT r.user_id
FROM rollup_users r
JOIN load_user_changes c ON c.user_id = r.user_id
JOIN load_days d
  ON d.play_date = CAST(r.first_free AS DATE)
  OR d.play_date = CAST(r.last_free AS DATE)
  OR d.play_date = CAST(r.first_paid AS DATE)
  OR d.play_date = CAST(r.last_paid AS DATE);
-- Users whose gender changed in this load (load_user_keys, 04_users.sql:
-- every user whose row may have changed): their plays on the other days
-- move from the old gender to the new in rollup_gender_days (the days of
-- this load are counted again below).
CREATE TEMP TABLE load_gender_moves AS
SELECT r.user_id, r.gender AS old_gender, COALESCE(u.gender, '') AS new_gender
FROM rollup_users r
JOIN load_user_keys k ON k.user_id = r.user_id
LEFT JOIN users u ON u.user_id = r.user_id
WHERE r.gender <> COALESCE(u.gender, '');
ANALYZE load_gender_moves;
CREATE TEMP TABLE load_gender_changes AS
SELECT play_date, gender, level, SUM(plays) AS plays
FROM (
    SELECT r.play_date, m.old_gender AS gender, r.level, -r.plays AS plays
    FROM rollup_user_days r JOIN load_gender_moves m ON m.user_id = r.user_id
    UNION ALL
    SELECT r.play_date, m.new_gender, r.level, r.plays
    FROM rollup_user_days r JOIN load_gender_moves m ON m.user_id = r.user_id
) c
WHERE play_date NOT IN (SELECT play_date FROM load_days)
GROUP BY play_date, gender, level
HAVING SUM(plays) <> 0;
UPDATE rollup_gender_days
SET plays = rollup_gender_days.plays + c.plays
FROM load_gender_changes c
WHERE rollup_gender_days.play_date = c.play_date
  AND rollup_gender_days.gender = c.gender
  AND rollup_gender_days.level = c.level;
INSERT INTO rollup_gender_days (play_date, gender, level, plays)
SELECT c.play_date, c.gender, c.level, c.plays FROM load_gender_changes c
WHERE NOT EXISTS (SELECT 1 FROM rollup_gender_days t
                  WHERE t.play_date = c.play_date AND t.gender = c.gender AND t.level = c.level);
DELETE FROM rollup_gender_days USING load_gender_changes
WHERE rollup_gender_days.play_date = load_gender_changes.play_date
  AND rollup_gender_days.gender = load_gender_changes.gender
  AND rollup_gender_days.level = load_gender_changes.level
  AND load_gender_changes.plays < 0
  AND rollup_gender_days.plays = 0;
UPDATE rollup_users
SET gender = m.new_gender
FROM load_gender_moves m
WHERE rollup_users.user_id = m.user_id;
DELETE FROM rollup_user_days USING load_days
WHERE rollup_user_days.play_date = load_days.play_date;
INSERT INTO rollup_user_days (play_date, user_id, level, plays, first_play, last_play)
SELECT play_date, user_id, level, plays, first_play, last_play FROM load_user_days
ORDER BY play_date, user_id;
DELETE FROM rollup_gender_days USING load_days
WHERE rollup_gender_days.play_date = load_days.play_date;
INSERT INTO rollup_gender_days (play_date, gender, level, plays)
SELECT r.play_date, COALESCE(u.gender, ''), r.level, SUM(r.plays)
FROM load_user_days r
LEFT JOIN users u ON u.user_id = r.user_id
GROUP BY r.play_date, COALESCE(u.gender, ''), r.level
ORDER BY 1, 2, 3;
UPDATE rollup_users
SET plays = rollup_users.plays + c.plays,
    first_free = LEAST(rollup_users.first_free, c.first_free),
    last_free = GREATEST(rollup_users.last_free, c.last_free),
    first_paid = LEAST(rollup_users.first_paid, c.first_paid),
    last_paid = GREATEST(rollup_users.last_paid, c.last_paid)
FROM load_user_changes c
WHERE rollup_users.user_id = c.user_id;
DELETE FROM rollup_users USING load_users_recount
WHERE rollup_users.user_id = load_users_recount.user_id;
INSERT INTO rollup_users (user_id, gender, plays, first_free, last_free, first_paid, last_paid)
SELECT r.user_id, COALESCE(u.gender, ''), SUM(r.plays),
       MIN(CASE WHEN r.level = 'free' THEN r.first_play END),
       MAX(CASE WHEN r.level = 'free' THEN r.last_play END),
       MIN(CASE WHEN r.level = 'paid' THEN r.first_play END),
       MAX(CASE WHEN r.level = 'paid' THEN r.last_play END)
FROM rollup_user_days r
JOIN load_users_recount k ON k.user_id = r.user_id
LEFT JOIN users u ON u.user_id = r.user_id
GROUP BY r.user_id, COALESCE(u.gender, '');
-- Users with their first plays.
INSERT INTO rollup_users (user_id, gender, plays, first_free, last_free, first_paid, last_paid)
SELECT c.user_id, COALESCE(u.gender, ''), c.plays, c.first_free, c.last_free, c.first_paid, c.last_paid
FROM load_user_changes c
LEFT JOIN users u ON u.user_id = c.user_id
WHERE c.plays > 0
  AND NOT EXISTS (SELECT 1 FROM rollup_users t WHERE t.user_id = c.user_id);
DELETE FROM rollup_users USING load_user_changes
WHERE rollup_users.user_id = load_user_changes.user_id
  AND load_user_changes.plays < 0
  AND rollup_users.plays = 0;
-- Per session: the days' sessions are rewritten; the all-history count of
-- distinct sessions (rollup_totals) moves by how many of the sessions
-- those days touch (before or after) have plays on any day, after less
-- before.
CREATE TEMP TABLE load_session_days AS
SELECT d.play_date, s.user_id, s.session_id, COUNT(*) AS plays
FROM load_days d
JOIN songplays s
  ON s.start_time >= d.play_date
 AND s.start_time < d.play_date + 1
GROUP BY d.play_date, s.user_id, s.session_id;
CREATE TEMP TABLE load_session_keys AS
SELECT user_id, session_id FROM load_session_days
UNION
SELECT r.user_id, r.session_id FROM rollup_sessions r JOIN load_days d ON d.play_date = r.play_date;
ANALYZE load_session_keys;
CREATE TEMP TABLE load_session_counts AS
SELECT -COUNT(*) AS sessions
FROM load_session_keys k
WHERE EXISTS (SELECT 1 FROM rollup_sessions r WHERE r.user_id = k.user_id AND r.session_id = k.session_id);
DELETE FROM rollup_sessions USING load_days
WHERE rollup_sessions.play_date = load_days.play_date;
INSERT INTO rollup_sessions (play_date, user_id, session_id, plays)
SELECT play_date, user_id, session_id, plays FROM load_session_days
ORDER BY 1, 2, 3;
INSERT INTO load_session_counts (sessions)
SELECT COUNT(*)
FROM load_session_keys k
WHERE EXISTS (SELECT 1 FROM rollup_sessions r WHERE r.user_id = k.user_id AND r.session_id = k.session_id);
UPDATE rollup_totals
SET sessions = rollup_totals.sessions + c.sessions
FROM (SELECT SUM(sessions) AS sessions FROM load_session_counts) c;
DELETE FROM rollup_day_sessions USING load_days
WHERE rollup_day_sessions.play_date = load_days.play_date;
INSERT INTO rollup_day_sessions (play_date, sessions)
SELECT play_date, COUNT(*) FROM load_session_days
GROUP BY play_date
ORDER BY 1;

-- sql/shared/checks/03_songplays_without_time.sql
-- check: song plays without their time row
SELECT COUNT(*) FROM load_songplays p
WHERE NOT EXISTS (SELECT 1 FROM time t WHERE t.start_time = p.start_time);

-- sql/shared/bookkeeping/row_counts.sql
-- name: songplays
SELECT COUNT(*) FROM songplays;
-- name: users
SELECT COUNT(*) FROM users;
-- name: songs
SELECT COUNT(*) FROM songs;
-- name: artists
SELECT COUNT(*) FROM artists;
-- name: time
SELECT COUNT(*) FROM time;

-- sql/shared/bookkeeping/loads.sql (this load's row, with its counts as bind parameters)
INSERT INTO sparkify_loads (load_id, status, started_at, finished_at, job_version, song_data, log_data,
                            objects, records, skipped,
                            songplays_inserted, songplays_updated, users_inserted, users_updated,
                            songs_inserted, songs_updated, artists_inserted, artists_updated, time_inserted,
                            songplays_rows, users_rows, songs_rows, artists_rows, time_rows)
VALUES ($1, 'committed', CAST($2 AS TIMESTAMP), CAST($3 AS TIMESTAMP), $4, $5, $6,
        $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
        $19, $20, $21, $22, $23);

COMMIT;
