-- Row count of every star table. songplays and time are counted from the
-- rollups (rollup_hours: plays and distinct start times per day and hour),
-- so the count costs the days of history, not the plays. The names are
-- cast: Redshift cannot type a bare string literal in a UNION ("failed to
-- find conversion function from unknown to text").
SELECT CAST('songplays' AS VARCHAR(16)) AS table_name, COALESCE(CAST(SUM(plays) AS BIGINT), 0) AS row_count FROM rollup_hours
UNION ALL
SELECT CAST('users' AS VARCHAR(16)), COUNT(*) FROM users
UNION ALL
SELECT CAST('songs' AS VARCHAR(16)), COUNT(*) FROM songs
UNION ALL
SELECT CAST('artists' AS VARCHAR(16)), COUNT(*) FROM artists
UNION ALL
SELECT CAST('time' AS VARCHAR(16)), COALESCE(CAST(SUM(start_times) AS BIGINT), 0) FROM rollup_hours;
