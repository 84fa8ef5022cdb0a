-- check: song plays without their time row
SELECT COUNT(*) FROM songplays p
WHERE p.songplay_id > (SELECT last_songplay_id FROM load_bounds)
  AND NOT EXISTS (SELECT 1 FROM time t WHERE t.start_time = p.start_time);
