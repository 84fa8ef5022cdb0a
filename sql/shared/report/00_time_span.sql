-- The first and last day with song plays (NULL when there are none), from
-- the rollups the load keeps: a period of the last N days ends on the last.
SELECT MIN(play_date) AS first_day, MAX(play_date) AS last_day
FROM rollup_hours;
