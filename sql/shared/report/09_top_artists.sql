-- Top 10 artists by plays, among the plays matched to the catalogue. Ties
-- are broken by artist_id.
SELECT t.artist_id,
       COALESCE(a.name, '') AS name,
       t.plays
FROM (
    SELECT artist_id, COUNT(*) AS plays
    FROM songplays
    WHERE artist_id IS NOT NULL
    GROUP BY artist_id
) t
LEFT JOIN artists a ON a.artist_id = t.artist_id
ORDER BY t.plays DESC, t.artist_id
LIMIT 10;
