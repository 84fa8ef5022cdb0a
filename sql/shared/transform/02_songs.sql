-- songs: one row per song_id; year 0 (unknown) becomes null. The song and
-- artist ids the load touches are those of the replaced objects' records and
-- of the staged ones; each is recomputed from the records of every object
-- that carries it. When records disagree, they are ranked by their values,
-- so the winner does not depend on file order or on how the data was split
-- across loads. The winner's artist name, as spelled in its file, goes to
-- sparkify_song_catalogue for matching plays. Keys lose trailing blanks:
-- Redshift ignores them when it compares, so 'SOX' and 'SOX ' are one song
-- there, and must be one here too. DELETE ... USING names its tables without
-- aliases, the form Redshift documents.
CREATE TEMP TABLE load_song_keys AS
SELECT r.song_id, r.artist_id
FROM sparkify_song_records r
JOIN load_objects o ON o.object_id = r.source_object
UNION
SELECT RTRIM(song_id), RTRIM(artist_id)
FROM staging_songs;

ANALYZE load_song_keys;

DELETE FROM sparkify_song_records USING load_objects
WHERE sparkify_song_records.source_object = load_objects.object_id;

INSERT INTO sparkify_song_records (source_object, song_id, title, artist_id, artist_name, year,
                                   duration, artist_location, artist_latitude, artist_longitude)
SELECT COALESCE(source_object, 0), RTRIM(song_id), title, RTRIM(artist_id), artist_name,
       NULLIF(year, 0), duration, NULLIF(artist_location, ''), artist_latitude, artist_longitude
FROM staging_songs;

-- Each touched song as one load of every object makes it.
CREATE TEMP TABLE load_song_picks AS
SELECT song_id, title, artist_id, artist_name, year, duration
FROM (
    SELECT song_id, title, artist_id, artist_name, year, duration,
           ROW_NUMBER() OVER (
               PARTITION BY song_id
               ORDER BY title NULLS LAST, artist_id NULLS LAST, year NULLS LAST,
                        duration NULLS LAST, artist_name NULLS LAST
           ) AS n
    FROM sparkify_song_records
    WHERE song_id IN (SELECT song_id FROM load_song_keys)
      AND song_id <> ''
) r
WHERE n = 1;

-- Songs whose every record is gone.
-- metric: songs.deleted
DELETE FROM songs
WHERE song_id IN (SELECT song_id FROM load_song_keys)
  AND song_id NOT IN (SELECT song_id FROM load_song_picks);

DELETE FROM sparkify_song_catalogue
WHERE song_id IN (SELECT song_id FROM load_song_keys)
  AND song_id NOT IN (SELECT song_id FROM load_song_picks);

-- load_songs: the songs that are new or differ from their row, in songs or
-- in the catalogue; a song that stays as it is is left alone.
CREATE TEMP TABLE load_songs AS
SELECT p.song_id, p.title, p.artist_id, p.artist_name, p.year, p.duration
FROM load_song_picks p
WHERE NOT EXISTS (
    SELECT 1 FROM songs s
    JOIN sparkify_song_catalogue c ON c.song_id = s.song_id
    WHERE s.song_id = p.song_id
      AND COALESCE(s.title = p.title, s.title IS NULL AND p.title IS NULL)
      AND COALESCE(s.artist_id = p.artist_id, s.artist_id IS NULL AND p.artist_id IS NULL)
      AND COALESCE(s.year = p.year, s.year IS NULL AND p.year IS NULL)
      AND COALESCE(s.duration = p.duration, s.duration IS NULL AND p.duration IS NULL)
      AND COALESCE(c.artist_name = p.artist_name, c.artist_name IS NULL AND p.artist_name IS NULL)
);

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
