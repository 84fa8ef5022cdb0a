-- time: one row per distinct song-play start_time; weekday 0 = Sunday. Rows
-- go in in time order, the order of time's key, so that its index grows at
-- its end instead of being written all over.
-- metric: time.written
INSERT INTO time (start_time, hour, day, week, month, year, weekday)
SELECT start_time,
       EXTRACT(hour FROM start_time),
       EXTRACT(day FROM start_time),
       EXTRACT(week FROM start_time),
       EXTRACT(month FROM start_time),
       EXTRACT(year FROM start_time),
       EXTRACT(dow FROM start_time)
FROM (SELECT DISTINCT start_time FROM load_songplays) t
WHERE NOT EXISTS (SELECT 1 FROM time x WHERE x.start_time = t.start_time)
ORDER BY start_time;
