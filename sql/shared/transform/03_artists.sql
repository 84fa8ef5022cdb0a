-- artists: one row per artist_id; "" locations become null. The same
-- artist_id comes with several spellings of its name: the records of every
-- object that carries a touched artist_id are ranked by their values, so the
-- pick is the same whatever the file order or the split of the data across
-- loads.
CREATE TEMP TABLE load_artist_picks AS
SELECT artist_id, name, location, latitude, longitude
FROM (
    SELECT artist_id, artist_name AS name, artist_location AS location,
           artist_latitude AS latitude, artist_longitude AS longitude,
           ROW_NUMBER() OVER (
               PARTITION BY artist_id
               ORDER BY artist_name NULLS LAST, artist_location NULLS LAST,
                        artist_latitude NULLS LAST, artist_longitude NULLS LAST
           ) AS n
    FROM sparkify_song_records
    WHERE artist_id IN (SELECT artist_id FROM load_song_keys)
      AND artist_id <> ''
) r
WHERE n = 1;

-- Artists whose every record is gone.
-- metric: artists.deleted
DELETE FROM artists
WHERE artist_id IN (SELECT artist_id FROM load_song_keys)
  AND artist_id NOT IN (SELECT artist_id FROM load_artist_picks);

-- load_artists: the artists that are new or differ from their row; an
-- artist that stays as it is is left alone.
CREATE TEMP TABLE load_artists AS
SELECT p.artist_id, p.name, p.location, p.latitude, p.longitude
FROM load_artist_picks p
WHERE NOT EXISTS (
    SELECT 1 FROM artists a
    WHERE a.artist_id = p.artist_id
      AND COALESCE(a.name = p.name, a.name IS NULL AND p.name IS NULL)
      AND COALESCE(a.location = p.location, a.location IS NULL AND p.location IS NULL)
      AND COALESCE(a.latitude = p.latitude, a.latitude IS NULL AND p.latitude IS NULL)
      AND COALESCE(a.longitude = p.longitude, a.longitude IS NULL AND p.longitude IS NULL)
);

ANALYZE load_artists (artist_id);

-- metric: artists.replaced
DELETE FROM artists USING load_artists WHERE artists.artist_id = load_artists.artist_id;

-- metric: artists.written
INSERT INTO artists (artist_id, name, location, latitude, longitude)
SELECT artist_id, name, location, latitude, longitude
FROM load_artists;
