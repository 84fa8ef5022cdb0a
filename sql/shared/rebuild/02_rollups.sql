-- A rebuild counts the rollups again from nothing: their rows go here, and
-- sql/shared/transform/07_rollups.sql writes every day with plays and the
-- totals anew.
DELETE FROM rollup_hours;

DELETE FROM rollup_user_days;

DELETE FROM rollup_sessions;

DELETE FROM rollup_song_days;

DELETE FROM rollup_songs;

DELETE FROM rollup_artists;
