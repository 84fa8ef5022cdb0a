-- Song plays per UTC day of the days $1 to $2, split by the user's gender
-- (as it is now: users is joined here, not kept in the rollup) and by the
-- level at the time of play. Days without plays have no row; the report
-- fills them with zeros over the period covered.
SELECT r.play_date,
       COALESCE(u.gender, '') AS gender,
       r.level,
       CAST(SUM(r.plays) AS BIGINT) AS plays
FROM rollup_user_days r
LEFT JOIN users u ON u.user_id = r.user_id
WHERE r.play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
GROUP BY r.play_date, COALESCE(u.gender, ''), r.level
ORDER BY 1, 2, 3;
