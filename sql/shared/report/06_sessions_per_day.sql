-- Sessions per UTC day of the days $1 to $2: distinct (user_id, session_id)
-- pairs with at least one song play that day. A session that spans midnight
-- counts on both days.
SELECT play_date, COUNT(*) AS sessions
FROM rollup_sessions
WHERE play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
GROUP BY play_date
ORDER BY play_date;
