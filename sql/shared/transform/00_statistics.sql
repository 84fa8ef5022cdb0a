-- Planner statistics. Postgres never analyzes temporary tables by itself
-- (autovacuum cannot reach them); without statistics it guesses, for
-- example, 200 distinct start times among a million plays and chooses
-- nested loops. So every table the load stages or derives is analyzed once
-- it is filled, on the columns that its joins, filters and groups use
-- (sampling every column of staging_events costs ten times as much). Redshift analyzes tables filled by COPY into an empty
-- table and by CREATE TEMP TABLE AS on its own (Analyzing tables, in its
-- Database Developer Guide), and ANALYZE then skips them (fewer than
-- analyze_threshold_percent of their rows changed).
ANALYZE staging_songs (song_id, artist_id);

ANALYZE staging_events (page, user_id, session_id, item_in_session, ts);
