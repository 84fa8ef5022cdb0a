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
