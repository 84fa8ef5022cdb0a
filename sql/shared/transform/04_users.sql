-- users: one row per user id seen in the logs, with name, gender and level
-- from the user's latest event over every log object. Each object keeps its
-- latest event per user (sparkify_user_records), so a user touched by this
-- load is recomputed from those rows, and re-loading, back-filling or
-- rewriting old days gives the row one load of every day would give.
CREATE TEMP TABLE load_user_keys AS
SELECT r.user_id
FROM sparkify_user_records r
JOIN load_objects o ON o.object_id = r.source_object
UNION
SELECT CAST(user_id AS INTEGER)
FROM staging_events
WHERE user_id <> '' AND ts IS NOT NULL;

ANALYZE load_user_keys;

DELETE FROM sparkify_user_records USING load_objects
WHERE sparkify_user_records.source_object = load_objects.object_id;

INSERT INTO sparkify_user_records (source_object, user_id, first_name, last_name, gender, level,
                                   last_seen_at, session_id, item_in_session)
SELECT source_object, user_id, first_name, last_name, gender, level, last_seen_at,
       session_id, item_in_session
FROM (
    SELECT COALESCE(source_object, 0) AS source_object, CAST(user_id AS INTEGER) AS user_id,
           first_name, last_name, gender, level, ts AS last_seen_at, session_id, item_in_session,
           ROW_NUMBER() OVER (
               PARTITION BY COALESCE(source_object, 0), CAST(user_id AS INTEGER)
               ORDER BY ts DESC, session_id DESC, item_in_session DESC,
                        level, first_name, last_name, gender
           ) AS n
    FROM staging_events
    WHERE user_id <> '' AND ts IS NOT NULL
) e
WHERE n = 1;

CREATE TEMP TABLE load_users AS
SELECT user_id, first_name, last_name, gender, level, last_seen_at
FROM (
    SELECT user_id, first_name, last_name, gender, level, last_seen_at,
           ROW_NUMBER() OVER (
               PARTITION BY user_id
               ORDER BY last_seen_at DESC, session_id DESC, item_in_session DESC,
                        level, first_name, last_name, gender
           ) AS n
    FROM sparkify_user_records
    WHERE user_id IN (SELECT user_id FROM load_user_keys)
) e
WHERE n = 1;

ANALYZE load_users (user_id);

-- Users whose every event is gone.
-- metric: users.deleted
DELETE FROM users
WHERE user_id IN (SELECT user_id FROM load_user_keys)
  AND user_id NOT IN (SELECT user_id FROM load_users);

-- Rows that stay as they are are left alone.
DELETE FROM load_users USING users
WHERE load_users.user_id = users.user_id
  AND load_users.last_seen_at = users.last_seen_at
  AND COALESCE(load_users.first_name = users.first_name, load_users.first_name IS NULL AND users.first_name IS NULL)
  AND COALESCE(load_users.last_name = users.last_name, load_users.last_name IS NULL AND users.last_name IS NULL)
  AND COALESCE(load_users.gender = users.gender, load_users.gender IS NULL AND users.gender IS NULL)
  AND COALESCE(load_users.level = users.level, load_users.level IS NULL AND users.level IS NULL);

-- metric: users.replaced
DELETE FROM users USING load_users WHERE users.user_id = load_users.user_id;

-- metric: users.written
INSERT INTO users (user_id, first_name, last_name, gender, level, last_seen_at)
SELECT user_id, first_name, last_name, gender, level, last_seen_at
FROM load_users;
