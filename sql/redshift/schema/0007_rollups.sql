-- Rollups, Redshift dialect: the same tables as postgres/schema/0007_rollups.sql
-- (see there). They are small next to songplays; each is sorted on its
-- leading key so that the report's date-range filters skip blocks, and
-- distributed so that its GROUP BY needs no redistribution: the per-day
-- tables on play_date (days spread evenly), the totals on their key.

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
)
DISTSTYLE ALL
SORTKEY (play_date, hour);

CREATE TABLE IF NOT EXISTS rollup_user_days (
    play_date  DATE NOT NULL,
    user_id    INTEGER NOT NULL,
    level      VARCHAR(16) NOT NULL,
    plays      BIGINT NOT NULL,
    first_play TIMESTAMP NOT NULL,
    last_play  TIMESTAMP NOT NULL,
    PRIMARY KEY (play_date, user_id, level)
)
DISTKEY (user_id)
SORTKEY (play_date, user_id);

CREATE TABLE IF NOT EXISTS rollup_sessions (
    play_date  DATE NOT NULL,
    user_id    INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    plays      BIGINT NOT NULL,
    PRIMARY KEY (play_date, user_id, session_id)
)
DISTKEY (user_id)
SORTKEY (play_date, user_id, session_id);

CREATE TABLE IF NOT EXISTS rollup_song_days (
    play_date DATE NOT NULL,
    song_id   VARCHAR(32) NOT NULL,
    artist_id VARCHAR(32),
    plays     BIGINT NOT NULL,
    PRIMARY KEY (play_date, song_id)
)
DISTKEY (song_id)
SORTKEY (play_date, song_id);

CREATE TABLE IF NOT EXISTS rollup_songs (
    song_id VARCHAR(32) NOT NULL,
    plays   BIGINT NOT NULL,
    PRIMARY KEY (song_id)
)
DISTKEY (song_id)
SORTKEY (song_id);

CREATE TABLE IF NOT EXISTS rollup_artists (
    artist_id VARCHAR(32) NOT NULL,
    plays     BIGINT NOT NULL,
    PRIMARY KEY (artist_id)
)
DISTKEY (artist_id)
SORTKEY (artist_id);

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
