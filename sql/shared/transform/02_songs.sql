-- songs: one row per song_id; year 0 (unknown) becomes null. When the same
-- song_id comes with different values, the candidates from the warehouse and
-- from this load are ranked by their values, so the winner does not depend on
-- file order or on how the data was split across loads. On a tie the row
-- already in the warehouse stays (src 0). The winner's artist name, as
-- spelled in its file, goes to sparkify_song_catalogue for matching plays.
-- Keys lose trailing blanks: Redshift ignores them when it compares, so
-- 'SOX' and 'SOX ' are one song there, and must be one here too. DELETE ...
-- USING names its tables without aliases, the form Redshift documents.
CREATE TEMP TABLE load_songs AS
SELECT song_id, title, artist_id, artist_name, year, duration
FROM (
    SELECT song_id, title, artist_id, artist_name, year, duration, src,
           ROW_NUMBER() OVER (
               PARTITION BY song_id
               ORDER BY title NULLS LAST, artist_id NULLS LAST, year NULLS LAST,
                        duration NULLS LAST, artist_name NULLS LAST, src
           ) AS n
    FROM (
        SELECT s.song_id, s.title, s.artist_id, c.artist_name, s.year, s.duration, 0 AS src
        FROM songs s
        LEFT JOIN sparkify_song_catalogue c ON c.song_id = s.song_id
        WHERE s.song_id IN (SELECT RTRIM(song_id) FROM staging_songs)
        UNION ALL
        SELECT RTRIM(song_id), title, RTRIM(artist_id), artist_name, NULLIF(year, 0), duration, 1 AS src
        FROM staging_songs
        WHERE RTRIM(song_id) <> ''
    ) c
) r
WHERE n = 1 AND src = 1;

ANALYZE load_songs (song_id, title, artist_name);

-- metric: songs.replaced
DELETE FROM songs USING load_songs WHERE songs.song_id = load_songs.song_id;

-- metric: songs.written
INSERT INTO songs (song_id, title, artist_id, year, duration)
SELECT song_id, title, artist_id, year, duration
FROM load_songs;

DELETE FROM sparkify_song_catalogue USING load_songs
WHERE sparkify_song_catalogue.song_id = load_songs.song_id;

INSERT INTO sparkify_song_catalogue (song_id, artist_id, title, artist_name, duration)
SELECT song_id, artist_id, title, artist_name, duration
FROM load_songs;
