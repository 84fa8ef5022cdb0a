-- songplays: every new song play, matched to a song when title and artist
-- name agree with the song's own file (sparkify_song_catalogue) and the
-- durations agree within a millisecond (double precision). Trailing blanks are
-- ignored, as Redshift ignores them when it compares VARCHARs. When several
-- songs match, the smallest song_id wins. This load's plays are matched
-- against the whole catalogue. The plays of earlier loads that matched no
-- song yet (sparkify_unmatched_plays) are matched against the songs this
-- load wrote only: every other song of the catalogue was there, unchanged,
-- when they were last matched. So a song arriving now matches them without
-- their log files being staged again, and a load costs what it brings, not
-- what the warehouse holds.
CREATE TEMP TABLE load_matches AS
SELECT user_id, session_id, item_in_session, song_id, artist_id
FROM (
    SELECT user_id, session_id, item_in_session, song_id, artist_id,
           ROW_NUMBER() OVER (
               PARTITION BY user_id, session_id, item_in_session
               ORDER BY song_id, artist_id
           ) AS n
    FROM (
        SELECT p.user_id, p.session_id, p.item_in_session, c.song_id, c.artist_id
        FROM load_plays p
        JOIN sparkify_song_catalogue c
          ON RTRIM(c.title) = RTRIM(p.song)
         AND RTRIM(c.artist_name) = RTRIM(p.artist)
         AND ABS(c.duration - p.length) < 0.001
        UNION ALL
        SELECT u.user_id, u.session_id, u.item_in_session, c.song_id, c.artist_id
        FROM sparkify_unmatched_plays u
        JOIN load_songs c
          ON RTRIM(c.title) = RTRIM(u.song)
         AND RTRIM(c.artist_name) = RTRIM(u.artist)
         AND ABS(c.duration - u.length) < 0.001
        WHERE NOT EXISTS (
            SELECT 1 FROM load_plays p
            WHERE p.user_id = u.user_id
              AND p.session_id = u.session_id
              AND p.item_in_session = u.item_in_session
        )
    ) c
) m
WHERE n = 1;

ANALYZE load_matches (user_id, session_id, item_in_session);

-- Plays loaded before their song reached the catalogue get it now.
-- metric: songplays.updated
UPDATE songplays
SET song_id = m.song_id, artist_id = m.artist_id
FROM load_matches m
WHERE songplays.song_id IS NULL
  AND songplays.user_id = m.user_id
  AND songplays.session_id = m.session_id
  AND songplays.item_in_session = m.item_in_session;

-- This load's plays with their songs. Plays already in songplays (from a
-- log file staged again) are left out when they are inserted, below, not
-- here: an estimate of how many a NOT EXISTS keeps is often wrong by orders
-- of magnitude, and a join after it would then be planned for one row.
CREATE TEMP TABLE load_songplays AS
SELECT p.start_time, p.user_id, p.level, m.song_id, m.artist_id, p.session_id,
       p.location, p.user_agent, p.item_in_session
FROM load_plays p
LEFT JOIN load_matches m
  ON m.user_id = p.user_id
 AND m.session_id = p.session_id
 AND m.item_in_session = p.item_in_session;

ANALYZE load_songplays (user_id, session_id, item_in_session, start_time);

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

-- The plays that still match no song are kept for later loads' songs;
-- those matched now are forgotten.
DELETE FROM sparkify_unmatched_plays USING load_matches
WHERE sparkify_unmatched_plays.user_id = load_matches.user_id
  AND sparkify_unmatched_plays.session_id = load_matches.session_id
  AND sparkify_unmatched_plays.item_in_session = load_matches.item_in_session;

INSERT INTO sparkify_unmatched_plays (user_id, session_id, item_in_session, song, artist, length)
SELECT p.user_id, p.session_id, p.item_in_session, p.song, p.artist, p.length
FROM load_plays p
WHERE NOT EXISTS (
    SELECT 1 FROM load_matches m
    WHERE m.user_id = p.user_id
      AND m.session_id = p.session_id
      AND m.item_in_session = p.item_in_session
)
AND NOT EXISTS (
    SELECT 1 FROM sparkify_unmatched_plays u
    WHERE u.user_id = p.user_id
      AND u.session_id = p.session_id
      AND u.item_in_session = p.item_in_session
);
