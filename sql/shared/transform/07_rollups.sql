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
