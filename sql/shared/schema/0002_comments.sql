-- Comments on the star tables and their columns, the same on both engines:
-- what each column holds, read by psql's \d+, by SQL clients and BI tools
-- (col_description, obj_description; on Redshift also
-- SVV_ALL_COLUMNS.remarks). Redshift documents COMMENT ON TABLE and COMMENT
-- ON COLUMN table.column (r_COMMENT.html); the table's owner, the job's
-- user, may set them. Each text stays under 256 bytes: SVV_ALL_COLUMNS.remarks
-- is a VARCHAR(256). COMMENT ON replaces a comment, so the migration could
-- run again harmlessly.

COMMENT ON TABLE songplays IS 'Fact: one row per NextSong event in the logs, whether or not the song is in the catalogue. An event is identified by (user_id, session_id, item_in_session).';
COMMENT ON COLUMN songplays.songplay_id IS 'Surrogate key, numbered in start_time order; loading day by day numbers plays as one load of all days does.';
COMMENT ON COLUMN songplays.start_time IS 'Time of the play, UTC (the event''s ts, epoch milliseconds).';
COMMENT ON COLUMN songplays.user_id IS 'The user who played the song (users.user_id).';
COMMENT ON COLUMN songplays.level IS 'The user''s level at the time of play: free or paid (users.level is the current one).';
COMMENT ON COLUMN songplays.song_id IS 'The song played (songs.song_id); null when no catalogued song has the same title, artist name and duration within a millisecond.';
COMMENT ON COLUMN songplays.artist_id IS 'The artist of the song played (artists.artist_id); null when song_id is null.';
COMMENT ON COLUMN songplays.session_id IS 'The app session of the play; a session is a (user_id, session_id) pair.';
COMMENT ON COLUMN songplays.location IS 'Where the user was, as the app recorded it (city, state).';
COMMENT ON COLUMN songplays.user_agent IS 'The browser or app that played the song, byte for byte as logged.';
COMMENT ON COLUMN songplays.item_in_session IS 'Position of the event in its session; with user_id and session_id it identifies the event.';

COMMENT ON TABLE users IS 'Dimension: one row per user id seen in the logs; name, gender and level from the user''s latest event.';
COMMENT ON COLUMN users.user_id IS 'The app''s user id.';
COMMENT ON COLUMN users.first_name IS 'First name, from the user''s latest event.';
COMMENT ON COLUMN users.last_name IS 'Last name, from the user''s latest event.';
COMMENT ON COLUMN users.gender IS 'F or M, from the user''s latest event; null when not given.';
COMMENT ON COLUMN users.level IS 'The user''s current level (free or paid), from the latest event; songplays.level is the level at the time of each play.';
COMMENT ON COLUMN users.last_seen_at IS 'Time of the event the row comes from, UTC; an older event never replaces a newer one.';

COMMENT ON TABLE songs IS 'Dimension: one row per song_id of the song files.';
COMMENT ON COLUMN songs.song_id IS 'The song''s id in the song files.';
COMMENT ON COLUMN songs.title IS 'Title, byte for byte as in the song file.';
COMMENT ON COLUMN songs.artist_id IS 'The song''s artist (artists.artist_id).';
COMMENT ON COLUMN songs.year IS 'Release year; null when unknown (0 in the song files).';
COMMENT ON COLUMN songs.duration IS 'Length in seconds.';

COMMENT ON TABLE artists IS 'Dimension: one row per artist_id of the song files, whatever the number of spellings of its name.';
COMMENT ON COLUMN artists.artist_id IS 'The artist''s id in the song files.';
COMMENT ON COLUMN artists.name IS 'Name; where the song files spell it several ways, one spelling picked deterministically.';
COMMENT ON COLUMN artists.location IS 'Where the artist is from, free text; null when not given.';
COMMENT ON COLUMN artists.latitude IS 'Latitude in degrees; null when not given.';
COMMENT ON COLUMN artists.longitude IS 'Longitude in degrees; null when not given.';

COMMENT ON TABLE time IS 'Dimension: one row per distinct songplays.start_time, broken into units (UTC).';
COMMENT ON COLUMN time.start_time IS 'A song play''s start time, UTC (songplays.start_time).';
COMMENT ON COLUMN time.hour IS 'Hour of the day, 0-23, UTC.';
COMMENT ON COLUMN time.day IS 'Day of the month, 1-31.';
COMMENT ON COLUMN time.week IS 'ISO 8601 week of the year, 1-53 (weeks start on Monday).';
COMMENT ON COLUMN time.month IS 'Month, 1-12.';
COMMENT ON COLUMN time.year IS 'Calendar year.';
COMMENT ON COLUMN time.weekday IS 'Day of the week: 0 = Sunday, 1 = Monday, ..., 6 = Saturday.';

COMMENT ON TABLE sparkify_song_catalogue IS 'Internal to the load: every song with its artist''s name as spelled in the song''s own file, which plays are matched against. Not for analysis: use songs and artists.';
