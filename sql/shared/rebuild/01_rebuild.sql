-- A rebuild: the first load, a load after an upgrade that added lineage, and
-- every full refresh (-full-refresh, SPARKIFY_FULL_REFRESH=true, and each
-- Redshift load without SPARKIFY_STAGING_URI). Every star table, every
-- record and the ledger are emptied in the load's transaction, and the load
-- then takes every object of the sources as they are now: it ends equal to
-- a fresh database. DELETE, not TRUNCATE: Redshift commits on TRUNCATE.
DELETE FROM songplays;

DELETE FROM time;

DELETE FROM users;

DELETE FROM songs;

DELETE FROM artists;

DELETE FROM sparkify_song_catalogue;

DELETE FROM sparkify_song_records;

DELETE FROM sparkify_play_records;

DELETE FROM sparkify_user_records;

DELETE FROM sparkify_objects;
