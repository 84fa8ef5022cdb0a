-- Song plays of the days $1 to $2 by weekday (0 = Sunday ... 6 = Saturday)
-- and hour of day (UTC). Plays by hour of day are the sums over the
-- weekdays.
SELECT CAST(EXTRACT(dow FROM play_date) AS INTEGER) AS weekday,
       hour,
       CAST(SUM(plays) AS BIGINT) AS plays
FROM rollup_hours
WHERE play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
GROUP BY 1, 2
ORDER BY 1, 2;
