-- time: one row per distinct song-play start_time; weekday 0 = Sunday. Only
-- the start times of the plays this load changed can gain or lose their row
-- (load_times). Rows go in in time order, the order of time's key, so that
-- its index grows at its end instead of being written all over.
-- metric: time.deleted
DELETE FROM time USING load_times
WHERE time.start_time = load_times.start_time
  AND NOT EXISTS (SELECT 1 FROM songplays s WHERE s.start_time = load_times.start_time);

-- metric: time.written
INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT start_time,
       EXTRACT(hour FROM start_time),
       EXTRACT(day FROM start_time),
       EXTRACT(week FROM start_time),
       EXTRACT(month FROM start_time),
       EXTRACT(year FROM start_time),
       EXTRACT(dow FROM start_time)
FROM (
    SELECT DISTINCT l.start_time FROM load_times l
    WHERE EXISTS (SELECT 1 FROM songplays s WHERE s.start_time = l.start_time)
) t
WHERE NOT EXISTS (SELECT 1 FROM time x WHERE x.start_time = t.start_time)
ORDER BY start_time;
