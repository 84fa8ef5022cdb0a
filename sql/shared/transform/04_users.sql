-- users: one row per user id seen in the logs, with name, gender and level
-- from the user's latest event. A user's row is replaced only by a later
-- event than the one it came from, so re-loading or back-filling old days
-- never rolls a user back.
CREATE TEMP TABLE load_users AS
SELECT user_id, first_name, last_name, gender, level, last_seen_at
FROM (
    SELECT CAST(NULLIF(user_id, '') AS INTEGER) AS user_id, first_name, last_name, gender,
           level, ts AS last_seen_at,
           ROW_NUMBER() OVER (
               PARTITION BY CAST(NULLIF(user_id, '') AS INTEGER)
               ORDER BY ts DESC, session_id DESC, item_in_session DESC,
                        level, first_name, last_name, gender
           ) AS n
    FROM staging_events
    WHERE user_id <> '' AND ts IS NOT NULL
) e
WHERE n = 1;

ANALYZE load_users (user_id);

DELETE FROM load_users USING users
WHERE load_users.user_id = users.user_id AND load_users.last_seen_at <= users.last_seen_at;

-- metric: users.replaced
DELETE FROM users USING load_users WHERE users.user_id = load_users.user_id;

-- metric: users.written
INSERT INTO users (user_id, first_name, last_name, gender, level, last_seen_at)
SELECT user_id, first_name, last_name, gender, level, last_seen_at
FROM load_users;
