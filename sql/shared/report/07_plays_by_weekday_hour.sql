-- Song plays by weekday (0 = Sunday ... 6 = Saturday) and hour of day (UTC).
-- Plays by hour of day are the sums over the weekdays.
SELECT CAST(EXTRACT(dow FROM start_time) AS INTEGER) AS weekday,
       CAST(EXTRACT(hour FROM start_time) AS INTEGER) AS hour,
       COUNT(*) AS plays
FROM songplays
GROUP BY 1, 2
ORDER BY 1, 2;
