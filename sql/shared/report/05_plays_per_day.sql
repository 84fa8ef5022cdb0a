-- Song plays per UTC day, split by the user's gender and by the level at the
-- time of play. Days without plays have no row; the report fills them with
-- zeros over the period covered.
SELECT CAST(p.start_time AS DATE) AS play_date,
       COALESCE(u.gender, '') AS gender,
       COALESCE(p.level, '') AS level,
       COUNT(*) AS plays
FROM songplays p
LEFT JOIN users u ON u.user_id = p.user_id
GROUP BY CAST(p.start_time AS DATE), COALESCE(u.gender, ''), COALESCE(p.level, '')
ORDER BY 1, 2, 3;
