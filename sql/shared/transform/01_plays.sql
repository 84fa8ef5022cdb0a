-- Lineage first: the records of the objects this load replaces (load_objects,
-- written by the job after staging: every object staged, and with
-- SPARKIFY_DELETED_SOURCES=retract every object gone from the source) give
-- way to what was staged from them. The star tables are then recomputed for
-- exactly the keys those records and the staged ones carry, from every
-- object's records, as one load of all the sources would compute them.
-- source_object is null where Redshift's COPY staged the rows: 0 stands for
-- "an object of this load".

-- The song plays whose row may change: those the replaced objects held and
-- those staged now. A play is a NextSong event with a userId, identified by
-- (userId, sessionId, itemInSession).
CREATE TEMP TABLE load_play_keys AS
SELECT r.user_id, r.session_id, r.item_in_session
FROM sparkify_play_records r
JOIN load_objects o ON o.object_id = r.source_object
UNION
SELECT CAST(user_id AS INTEGER), session_id, item_in_session
FROM staging_events
WHERE page = 'NextSong'
  AND user_id <> ''
  AND ts IS NOT NULL
  AND session_id IS NOT NULL
  AND item_in_session IS NOT NULL;

ANALYZE load_play_keys;

DELETE FROM sparkify_play_records USING load_objects
WHERE sparkify_play_records.source_object = load_objects.object_id;

-- Each object's plays; an event twice in one object counts once (the first
-- by its values, so the pick does not depend on line order).
INSERT INTO sparkify_play_records (source_object, user_id, session_id, item_in_session,
                                   start_time, level, song, artist, length, location, user_agent)
SELECT source_object, user_id, session_id, item_in_session,
       start_time, level, song, artist, length, location, user_agent
FROM (
    SELECT COALESCE(source_object, 0) AS source_object,
           CAST(user_id AS INTEGER) AS user_id, session_id, item_in_session,
           ts AS start_time, level, song, artist, length, location, user_agent,
           ROW_NUMBER() OVER (
               PARTITION BY COALESCE(source_object, 0), CAST(user_id AS INTEGER), session_id, item_in_session
               ORDER BY ts, level, location, user_agent, song, artist, length
           ) AS n
    FROM staging_events
    WHERE page = 'NextSong'
      AND user_id <> ''
      AND ts IS NOT NULL
      AND session_id IS NOT NULL
      AND item_in_session IS NOT NULL
) e
WHERE n = 1;
