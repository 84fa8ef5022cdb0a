-- check: song plays without their time row
SELECT COUNT(*) FROM load_songplays p
WHERE NOT EXISTS (SELECT 1 FROM time t WHERE t.start_time = p.start_time);
