-- check: duplicate artist_id in artists
-- postgres enforces: artists_pkey
SELECT COUNT(*) FROM (
    SELECT artist_id FROM artists
    WHERE artist_id IN (SELECT artist_id FROM load_artists)
    GROUP BY artist_id HAVING COUNT(*) > 1
) d;
