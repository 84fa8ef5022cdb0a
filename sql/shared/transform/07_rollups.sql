-- Rollups (postgres/schema/0007_rollups.sql): the report reads these small
-- aggregates instead of songplays. The days to recompute are those of every
-- start time whose plays may have changed in this load, before and after
-- (load_times, sql/shared/transform/05_songplays.sql); a rebuild recomputes
-- every key, so it recomputes every day. Each such day's rows are deleted
-- and counted again from songplays as it is now; the all-history totals per
-- song and per artist move by the difference between the days' new and old
-- counts. Plays are read through songplays' start_time, one day at a time,
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

-- How the days' plays per song and per artist changed: their new counts
-- less the old ones. Runs before the old rows go.
CREATE TEMP TABLE load_song_changes AS
SELECT song_id, SUM(plays) AS plays
FROM (
    SELECT song_id, plays FROM load_song_days
    UNION ALL
    SELECT r.song_id, -r.plays FROM rollup_song_days r JOIN load_days d ON d.play_date = r.play_date
) c
GROUP BY song_id
HAVING SUM(plays) <> 0;

CREATE TEMP TABLE load_artist_changes AS
SELECT artist_id, SUM(plays) AS plays
FROM (
    SELECT artist_id, plays FROM load_song_days WHERE artist_id IS NOT NULL
    UNION ALL
    SELECT r.artist_id, -r.plays FROM rollup_song_days r JOIN load_days d ON d.play_date = r.play_date
    WHERE r.artist_id IS NOT NULL
) c
GROUP BY artist_id
HAVING SUM(plays) <> 0;

ANALYZE load_song_changes;

ANALYZE load_artist_changes;

DELETE FROM rollup_song_days USING load_days
WHERE rollup_song_days.play_date = load_days.play_date;

INSERT INTO rollup_song_days (play_date, song_id, artist_id, plays)
SELECT play_date, song_id, artist_id, plays FROM load_song_days
ORDER BY play_date, song_id;

UPDATE rollup_songs
SET plays = rollup_songs.plays + c.plays
FROM load_song_changes c
WHERE rollup_songs.song_id = c.song_id;

INSERT INTO rollup_songs (song_id, plays)
SELECT c.song_id, c.plays FROM load_song_changes c
WHERE NOT EXISTS (SELECT 1 FROM rollup_songs t WHERE t.song_id = c.song_id);

DELETE FROM rollup_songs USING load_song_changes
WHERE rollup_songs.song_id = load_song_changes.song_id
  AND rollup_songs.plays = 0;

UPDATE rollup_artists
SET plays = rollup_artists.plays + c.plays
FROM load_artist_changes c
WHERE rollup_artists.artist_id = c.artist_id;

INSERT INTO rollup_artists (artist_id, plays)
SELECT c.artist_id, c.plays FROM load_artist_changes c
WHERE NOT EXISTS (SELECT 1 FROM rollup_artists t WHERE t.artist_id = c.artist_id);

DELETE FROM rollup_artists USING load_artist_changes
WHERE rollup_artists.artist_id = load_artist_changes.artist_id
  AND rollup_artists.plays = 0;

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

DELETE FROM rollup_user_days USING load_days
WHERE rollup_user_days.play_date = load_days.play_date;

INSERT INTO rollup_user_days (play_date, user_id, level, plays, first_play, last_play)
SELECT d.play_date, s.user_id, COALESCE(s.level, ''), COUNT(*), MIN(s.start_time), MAX(s.start_time)
FROM load_days d
JOIN songplays s
  ON s.start_time >= d.play_date
 AND s.start_time < d.play_date + 1
GROUP BY d.play_date, s.user_id, COALESCE(s.level, '')
ORDER BY 1, 2;

DELETE FROM rollup_sessions USING load_days
WHERE rollup_sessions.play_date = load_days.play_date;

INSERT INTO rollup_sessions (play_date, user_id, session_id, plays)
SELECT d.play_date, s.user_id, s.session_id, COUNT(*)
FROM load_days d
JOIN songplays s
  ON s.start_time >= d.play_date
 AND s.start_time < d.play_date + 1
GROUP BY d.play_date, s.user_id, s.session_id
ORDER BY 1, 2, 3;
