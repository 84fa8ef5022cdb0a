-- The rows of each star table after the load, for the run summary.
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
