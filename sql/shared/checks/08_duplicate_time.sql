-- check: duplicate start_time in time
-- postgres enforces: time_pkey
SELECT COUNT(*) FROM (
    SELECT start_time FROM time
    WHERE start_time IN (SELECT start_time FROM load_songplays)
    GROUP BY start_time HAVING COUNT(*) > 1
) d;
