-- Listening sessions: distinct (user_id, session_id) pairs with at least one
-- song play.
SELECT COUNT(*) AS sessions
FROM (SELECT DISTINCT user_id, session_id FROM songplays) s;
