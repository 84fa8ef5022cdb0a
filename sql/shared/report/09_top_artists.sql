-- Top 10 artists by plays, among the plays matched to the catalogue. Ties
-- are broken by artist_id. Over all history ($3 = 1) the plays are summed
-- from the all-history totals per song (rollup_songs, which keeps each
-- song's artist), over the days $1 to $2 otherwise from rollup_song_days.
-- The top 10 is picked before the join.
SELECT t.artist_id,
       COALESCE(a.name, '') AS name,
       t.plays
FROM (
    SELECT artist_id, plays
    FROM (
        SELECT artist_id, CAST(SUM(plays) AS BIGINT) AS plays
        FROM rollup_songs
        WHERE CAST($3 AS INTEGER) = 1
          AND artist_id IS NOT NULL
        GROUP BY artist_id
        UNION ALL
        SELECT artist_id, CAST(SUM(plays) AS BIGINT)
        FROM rollup_song_days
        WHERE CAST($3 AS INTEGER) = 0
          AND artist_id IS NOT NULL
          AND play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
        GROUP BY artist_id
    ) u
    ORDER BY plays DESC, artist_id
    LIMIT 10
) t
LEFT JOIN artists a ON a.artist_id = t.artist_id
ORDER BY t.plays DESC, t.artist_id
LIMIT 10;
