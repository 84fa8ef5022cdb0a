-- A rebuild counts the rollups again from nothing: their rows go here (the
-- count of sessions, rollup_totals' one row, goes to 0), and
-- sql/shared/transform/07_rollups.sql writes every day with plays and the
-- totals anew.
DELETE FROM rollup_hours;

DELETE FROM rollup_user_days;

DELETE FROM rollup_sessions;

DELETE FROM rollup_song_days;

DELETE FROM rollup_songs;


DELETE FROM rollup_users;

DELETE FROM rollup_gender_days;

DELETE FROM rollup_day_sessions;

UPDATE rollup_totals SET sessions = 0;
