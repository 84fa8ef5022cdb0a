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
