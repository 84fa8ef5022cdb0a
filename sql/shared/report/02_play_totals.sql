-- Headline figures of the song plays: all plays, plays matched to the song
-- catalogue, plays made at the paid level (the level at the time of play),
-- distinct users who played, and the first and last play (UTC).
SELECT COUNT(*) AS plays,
       COUNT(song_id) AS matched_plays,
       COUNT(CASE WHEN level = 'paid' THEN 1 END) AS paid_plays,
       COUNT(DISTINCT user_id) AS users,
       MIN(start_time) AS first_play,
       MAX(start_time) AS last_play
FROM songplays;
