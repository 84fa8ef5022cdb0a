-- Sessions per UTC day: distinct (user_id, session_id) pairs with at least
-- one song play that day. A session that spans midnight counts on both days.
SELECT day, COUNT(*) AS sessions
FROM (
    SELECT DISTINCT CAST(start_time AS DATE) AS day, user_id, session_id
    FROM songplays
) s
GROUP BY day
ORDER BY day;
