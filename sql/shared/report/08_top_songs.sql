-- Top 10 songs by plays, among the plays matched to the catalogue. Ties are
-- broken by song_id.
SELECT p.song_id,
       COALESCE(s.title, '') AS title,
       COALESCE(a.name, '') AS artist_name,
       COUNT(*) AS plays
FROM songplays p
LEFT JOIN songs s ON s.song_id = p.song_id
LEFT JOIN artists a ON a.artist_id = p.artist_id
WHERE p.song_id IS NOT NULL
GROUP BY p.song_id, s.title, a.name
ORDER BY plays DESC, p.song_id
LIMIT 10;
