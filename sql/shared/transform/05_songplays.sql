-- songplays: every new song play, matched to the catalogue when title,
-- artist name and duration agree (durations within a millisecond, compared
-- in double precision). The catalogue is this load's song files (every
-- spelling of an artist's name) and the songs already in the warehouse.
-- When several songs match, the smallest song_id wins.
CREATE TEMP TABLE load_catalogue AS
SELECT song_id, artist_id, title, artist_name, duration
FROM staging_songs
WHERE song_id IS NOT NULL AND song_id <> ''
UNION
SELECT s.song_id, s.artist_id, s.title, a.name, s.duration
FROM songs s
JOIN artists a ON a.artist_id = s.artist_id;

CREATE TEMP TABLE load_matches AS
SELECT user_id, session_id, item_in_session, song_id, artist_id
FROM (
    SELECT p.user_id, p.session_id, p.item_in_session, c.song_id, c.artist_id,
           ROW_NUMBER() OVER (
               PARTITION BY p.user_id, p.session_id, p.item_in_session
               ORDER BY c.song_id, c.artist_id
           ) AS n
    FROM load_plays p
    JOIN load_catalogue c
      ON c.title = p.song
     AND c.artist_name = p.artist
     AND ABS(c.duration - p.length) < 0.001
) m
WHERE n = 1;

CREATE TEMP TABLE load_songplays AS
SELECT p.start_time, p.user_id, p.level, m.song_id, m.artist_id, p.session_id,
       p.location, p.user_agent, p.item_in_session
FROM load_plays p
LEFT JOIN load_matches m
  ON m.user_id = p.user_id
 AND m.session_id = p.session_id
 AND m.item_in_session = p.item_in_session
WHERE NOT EXISTS (
    SELECT 1 FROM songplays s
    WHERE s.user_id = p.user_id
      AND s.session_id = p.session_id
      AND s.item_in_session = p.item_in_session
);

-- songplay_id continues the existing sequence in time order, so loading day
-- 1 and then day 2 numbers the plays as loading both days at once does.
-- metric: songplays.written
INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id,
                       artist_id, session_id, location, user_agent,
                       item_in_session)
SELECT b.last_id + ROW_NUMBER() OVER (
           ORDER BY p.start_time, p.user_id, p.session_id, p.item_in_session
       ),
       p.start_time, p.user_id, p.level, p.song_id, p.artist_id, p.session_id,
       p.location, p.user_agent, p.item_in_session
FROM load_songplays p
CROSS JOIN (SELECT COALESCE(MAX(songplay_id), 0) AS last_id FROM songplays) b;
