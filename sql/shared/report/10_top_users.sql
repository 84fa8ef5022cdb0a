-- Top 10 users by plays of the days $1 to $2 (all plays, matched to the
-- catalogue or not), with their current name and level. Ties are broken by
-- user_id. Over all history ($3 = 1) the plays come from the all-history
-- rows per user (rollup_users), over the days $1 to $2 otherwise
-- (rollup_user_days). The top 10 is picked before the join.
SELECT t.user_id,
       COALESCE(u.first_name, '') AS first_name,
       COALESCE(u.last_name, '') AS last_name,
       COALESCE(u.level, '') AS level,
       t.plays
FROM (
    SELECT user_id, plays
    FROM (
        SELECT user_id, plays
        FROM rollup_users
        WHERE CAST($3 AS INTEGER) = 1
        UNION ALL
        SELECT user_id, CAST(SUM(plays) AS BIGINT)
        FROM rollup_user_days
        WHERE CAST($3 AS INTEGER) = 0
          AND play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
        GROUP BY user_id
    ) u
    ORDER BY plays DESC, user_id
    LIMIT 10
) t
LEFT JOIN users u ON u.user_id = t.user_id
ORDER BY t.plays DESC, t.user_id
LIMIT 10;
