-- The rows of each star table after a load, in its row of sparkify_loads
-- (the same on both engines). A load that stages nothing new changes no table: it reports these counts
-- from the load before it instead of counting every table again.
ALTER TABLE sparkify_loads ADD COLUMN songplays_rows BIGINT;

ALTER TABLE sparkify_loads ADD COLUMN users_rows BIGINT;

ALTER TABLE sparkify_loads ADD COLUMN songs_rows BIGINT;

ALTER TABLE sparkify_loads ADD COLUMN artists_rows BIGINT;

ALTER TABLE sparkify_loads ADD COLUMN time_rows BIGINT;

COMMENT ON COLUMN sparkify_loads.songplays_rows IS 'Rows of songplays after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.users_rows IS 'Rows of users after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.songs_rows IS 'Rows of songs after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.artists_rows IS 'Rows of artists after the load (committed loads).';
COMMENT ON COLUMN sparkify_loads.time_rows IS 'Rows of time after the load (committed loads).';
