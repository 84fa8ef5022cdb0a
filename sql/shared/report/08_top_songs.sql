-- Top 10 songs by plays, among the plays matched to the catalogue, with the
-- song's title and artist. Ties are broken by song_id. The plays are counted
-- before the join, so only one row per song is joined.
SELECT t.song_id,
       COALESCE(s.title, '') AS title,
       COALESCE(a.name, '') AS artist_name,
       t.plays
FROM (
    SELECT song_id, COUNT(*) AS plays
    FROM songplays
    WHERE song_id IS NOT NULL
    GROUP BY song_id
) t
LEFT JOIN songs s ON s.song_id = t.song_id
LEFT JOIN artists a ON a.artist_id = s.artist_id
ORDER BY t.plays DESC, t.song_id
LIMIT 10;
