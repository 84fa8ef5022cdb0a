-- All-history rollups, Redshift dialect: the same tables as
-- postgres/schema/0008_rollup_totals.sql (see there). The per-day tables are
-- copied to every node and sorted on play_date, as rollup_hours is; the
-- per-user totals are distributed and sorted on their key, as
-- rollup_songs is.

-- rollup_songs also keeps each song's artist: the all-history plays per
-- artist are summed from it, and rollup_artists goes. The table is made
-- again (filled below).
DROP TABLE IF EXISTS rollup_artists;

DROP TABLE IF EXISTS rollup_songs;

CREATE TABLE rollup_songs (
    song_id   VARCHAR(32) NOT NULL,
    artist_id VARCHAR(32),
    plays     BIGINT NOT NULL,
    PRIMARY KEY (song_id)
)
DISTKEY (song_id)
SORTKEY (song_id);

CREATE TABLE IF NOT EXISTS rollup_users (
    user_id    INTEGER NOT NULL,
    gender     VARCHAR(16) NOT NULL,
    plays      BIGINT NOT NULL,
    first_free TIMESTAMP,
    last_free  TIMESTAMP,
    first_paid TIMESTAMP,
    last_paid  TIMESTAMP,
    PRIMARY KEY (user_id)
)
DISTKEY (user_id)
SORTKEY (user_id);

CREATE TABLE IF NOT EXISTS rollup_gender_days (
    play_date DATE NOT NULL,
    gender    VARCHAR(16) NOT NULL,
    level     VARCHAR(16) NOT NULL,
    plays     BIGINT NOT NULL,
    PRIMARY KEY (play_date, gender, level)
)
DISTSTYLE ALL
SORTKEY (play_date, gender, level);

CREATE TABLE IF NOT EXISTS rollup_day_sessions (
    play_date DATE NOT NULL,
    sessions  BIGINT NOT NULL,
    PRIMARY KEY (play_date)
)
DISTSTYLE ALL
SORTKEY (play_date);

-- One row: the distinct sessions of all history.
CREATE TABLE IF NOT EXISTS rollup_totals (
    sessions BIGINT NOT NULL
)
DISTSTYLE ALL;

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
