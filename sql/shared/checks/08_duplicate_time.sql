-- check: duplicate start_time in time
SELECT COUNT(*) FROM (SELECT start_time FROM time GROUP BY start_time HAVING COUNT(*) > 1) d;
