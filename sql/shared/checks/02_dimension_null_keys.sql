-- check: dimension rows with a null key
-- postgres enforces: users_pkey, songs_pkey, artists_pkey, time_pkey
SELECT SUM(n) FROM (
    SELECT COUNT(*) AS n FROM users WHERE user_id IS NULL
    UNION ALL SELECT COUNT(*) FROM songs WHERE song_id IS NULL
    UNION ALL SELECT COUNT(*) FROM artists WHERE artist_id IS NULL
    UNION ALL SELECT COUNT(*) FROM time WHERE start_time IS NULL
) c;
