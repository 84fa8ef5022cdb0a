-- Top 10 users by plays (all plays, matched to the catalogue or not), with
-- their current name and level. Ties are broken by user_id.
SELECT p.user_id,
       COALESCE(u.first_name, '') AS first_name,
       COALESCE(u.last_name, '') AS last_name,
       COALESCE(u.level, '') AS level,
       COUNT(*) AS plays
FROM songplays p
LEFT JOIN users u ON u.user_id = p.user_id
GROUP BY p.user_id, u.first_name, u.last_name, u.level
ORDER BY plays DESC, p.user_id
LIMIT 10;
