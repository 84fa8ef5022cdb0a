-- Top 10 songs by plays, among the plays matched to the catalogue, with the
-- song's title and artist. Ties are broken by song_id. Over all history
-- ($3 = 1) the plays come from the all-history totals (rollup_songs), over
-- the days $1 to $2 otherwise (rollup_song_days); the branch not taken is
-- pruned when the statement is planned with its values. The plays are
-- counted and the top 10 picked before the join, so only ten songs are
-- joined.
SELECT t.song_id,
       COALESCE(s.title, '') AS title,
       COALESCE(a.name, '') AS artist_name,
       t.plays
FROM (
    SELECT song_id, plays
    FROM (
        SELECT song_id, plays
        FROM rollup_songs
        WHERE CAST($3 AS INTEGER) = 1
        UNION ALL
        SELECT song_id, CAST(SUM(plays) AS BIGINT)
        FROM rollup_song_days
        WHERE CAST($3 AS INTEGER) = 0
          AND play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
        GROUP BY song_id
    ) u
    ORDER BY plays DESC, song_id
    LIMIT 10
) t
LEFT JOIN songs s ON s.song_id = t.song_id
LEFT JOIN artists a ON a.artist_id = s.artist_id
ORDER BY t.plays DESC, t.song_id
LIMIT 10;
