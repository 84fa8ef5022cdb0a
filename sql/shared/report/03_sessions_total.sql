-- Listening sessions: distinct (user_id, session_id) pairs with at least one
-- song play in the days $1 to $2. A session that spans midnight counts once.
-- Over all history ($3 = 1) the count is the one the load keeps
-- (rollup_totals), over the days $1 to $2 otherwise it is counted from
-- rollup_sessions.
SELECT CAST(SUM(sessions) AS BIGINT) AS sessions
FROM (
    SELECT sessions
    FROM rollup_totals
    WHERE CAST($3 AS INTEGER) = 1
    UNION ALL
    SELECT COUNT(*)
    FROM (
        SELECT DISTINCT user_id, session_id
        FROM rollup_sessions
        WHERE CAST($3 AS INTEGER) = 0
          AND play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
    ) s
) n;
