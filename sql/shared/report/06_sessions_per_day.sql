-- Sessions per UTC day of the days $1 to $2: distinct (user_id, session_id)
-- pairs with at least one song play that day. A session that spans midnight
-- counts on both days.
SELECT play_date, sessions
FROM rollup_day_sessions
WHERE play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
ORDER BY play_date;
