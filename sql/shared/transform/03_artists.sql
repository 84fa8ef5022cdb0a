-- artists: one row per artist_id; "" locations become null. The same
-- artist_id comes with several spellings of its name: the candidates from the
-- warehouse and from this load are ranked by their values, so the pick is the
-- same whatever the file order or the split of the data across loads.
CREATE TEMP TABLE load_artists AS
SELECT artist_id, name, location, latitude, longitude
FROM (
    SELECT artist_id, name, location, latitude, longitude, src,
           ROW_NUMBER() OVER (
               PARTITION BY artist_id
               ORDER BY name NULLS LAST, location NULLS LAST,
                        latitude NULLS LAST, longitude NULLS LAST, src
           ) AS n
    FROM (
        SELECT artist_id, name, location, latitude, longitude, 0 AS src
        FROM artists
        WHERE artist_id IN (SELECT RTRIM(artist_id) FROM staging_songs)
        UNION ALL
        SELECT RTRIM(artist_id), artist_name, NULLIF(artist_location, ''),
               artist_latitude, artist_longitude, 1 AS src
        FROM staging_songs
        WHERE RTRIM(artist_id) <> ''
    ) c
) r
WHERE n = 1 AND src = 1;

ANALYZE load_artists (artist_id);

-- metric: artists.replaced
DELETE FROM artists USING load_artists WHERE artists.artist_id = load_artists.artist_id;

-- metric: artists.written
INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, name, location, latitude, longitude
FROM load_artists;
