-- The song plays of this load: one row per NextSong event, identified by
-- (userId, sessionId, itemInSession); an event staged twice counts once.
-- An event without a userId cannot be identified or attributed and is not a
-- song play.
CREATE TEMP TABLE load_plays AS
SELECT start_time, user_id, level, song, artist, length, session_id,
       item_in_session, location, user_agent
FROM (
    SELECT ts AS start_time,
           CAST(NULLIF(user_id, '') AS INTEGER) AS user_id,
           level, song, artist, length, session_id, item_in_session,
           location, user_agent,
           ROW_NUMBER() OVER (
               PARTITION BY CAST(NULLIF(user_id, '') AS INTEGER), session_id, item_in_session
               ORDER BY ts, level, location, user_agent
           ) AS n
    FROM staging_events
    WHERE page = 'NextSong'
      AND user_id <> ''
      AND ts IS NOT NULL
      AND session_id IS NOT NULL
      AND item_in_session IS NOT NULL
) e
WHERE n = 1;

ANALYZE load_plays (user_id, session_id, item_in_session, song, artist);
