-- Sessions per UTC day: distinct (user_id, session_id) pairs with at least
-- one song play that day. A session that spans midnight counts on both days.
SELECT play_date, COUNT(*) AS sessions
FROM (
    SELECT DISTINCT CAST(start_time AS DATE) AS play_date, user_id, session_id
    FROM songplays
) s
GROUP BY play_date
ORDER BY play_date;
