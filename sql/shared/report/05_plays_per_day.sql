-- Song plays per UTC day of the days $1 to $2, split by the user's gender
-- (as it is now: the load moves a user's plays when their gender changes)
-- and by the level at the time of play. Days without plays have no row; the
-- report fills them with zeros over the period covered.
SELECT play_date, gender, level, plays
FROM rollup_gender_days
WHERE play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
ORDER BY 1, 2, 3;
