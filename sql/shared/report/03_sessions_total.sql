-- Listening sessions: distinct (user_id, session_id) pairs with at least one
-- song play in the days $1 to $2. A session that spans midnight counts once.
SELECT COUNT(*) AS sessions
FROM (
    SELECT DISTINCT user_id, session_id
    FROM rollup_sessions
    WHERE play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
) s;
