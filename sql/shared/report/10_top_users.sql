-- Top 10 users by plays (all plays, matched to the catalogue or not), with
-- their current name and level. Ties are broken by user_id.
SELECT t.user_id,
       COALESCE(u.first_name, '') AS first_name,
       COALESCE(u.last_name, '') AS last_name,
       COALESCE(u.level, '') AS level,
       t.plays
FROM (
    SELECT user_id, COUNT(*) AS plays
    FROM songplays
    GROUP BY user_id
) t
LEFT JOIN users u ON u.user_id = t.user_id
ORDER BY t.plays DESC, t.user_id
LIMIT 10;
