-- Top 10 artists by plays, among the plays matched to the catalogue. Ties
-- are broken by artist_id.
SELECT p.artist_id,
       COALESCE(a.name, '') AS name,
       COUNT(*) AS plays
FROM songplays p
LEFT JOIN artists a ON a.artist_id = p.artist_id
WHERE p.artist_id IS NOT NULL
GROUP BY p.artist_id, a.name
ORDER BY plays DESC, p.artist_id
LIMIT 10;
