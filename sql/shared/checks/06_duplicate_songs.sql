-- check: duplicate song_id in songs
-- postgres enforces: songs_pkey
SELECT COUNT(*) FROM (
    SELECT song_id FROM songs
    WHERE song_id IN (SELECT song_id FROM load_songs)
    GROUP BY song_id HAVING COUNT(*) > 1
) d;
