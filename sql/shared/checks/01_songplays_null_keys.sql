-- check: song plays with a null key column
SELECT COUNT(*) FROM songplays
WHERE songplay_id IS NULL OR start_time IS NULL OR user_id IS NULL
   OR session_id IS NULL OR item_in_session IS NULL;
