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
