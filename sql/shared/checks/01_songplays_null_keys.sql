-- The checks look at the rows this load wrote or changed (the load_* tables
-- of sql/shared/transform/ and the songplay ids after load_bounds): every
-- other row was checked by the load that wrote it, so a load's checks cost
-- what it brought, not the size of the warehouse. A check whose "postgres
-- enforces:" line names constraints of the Postgres schema runs on Redshift
-- only: on Postgres the statement that would break it fails instead.
-- check: song plays with a null key column
-- postgres enforces: songplays.start_time NOT NULL, songplays.user_id NOT NULL, songplays.session_id NOT NULL, songplays.item_in_session NOT NULL
SELECT COUNT(*) FROM songplays
WHERE songplay_id > (SELECT last_songplay_id FROM load_bounds)
  AND (start_time IS NULL OR user_id IS NULL OR session_id IS NULL
       OR item_in_session IS NULL);
