-- The rows of each star table after the load, for the run summary and the
-- load's row in sparkify_loads.

-- A load that staged no record changed no table: it takes the counts of the
-- last committed load instead of counting every table again, when that load
-- recorded them (schema migration 5).
-- name: last
SELECT songplays_rows, users_rows, songs_rows, artists_rows, time_rows
FROM sparkify_loads
WHERE status = 'committed'
ORDER BY finished_at DESC, load_id DESC
LIMIT 1;

-- name: songplays
SELECT COUNT(*) FROM songplays;
-- name: users
SELECT COUNT(*) FROM users;
-- name: songs
SELECT COUNT(*) FROM songs;
-- name: artists
SELECT COUNT(*) FROM artists;
-- name: time
SELECT COUNT(*) FROM time;
