-- Row count of every star table. The names are cast: Redshift cannot type a
-- bare string literal in a UNION ("failed to find conversion function from
-- unknown to text").
SELECT CAST('songplays' AS VARCHAR(16)) AS table_name, COUNT(*) AS row_count FROM songplays
UNION ALL
SELECT CAST('users' AS VARCHAR(16)), COUNT(*) FROM users
UNION ALL
SELECT CAST('songs' AS VARCHAR(16)), COUNT(*) FROM songs
UNION ALL
SELECT CAST('artists' AS VARCHAR(16)), COUNT(*) FROM artists
UNION ALL
SELECT CAST('time' AS VARCHAR(16)), COUNT(*) FROM time;
