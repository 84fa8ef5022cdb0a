-- Checks on what was staged, before anything is transformed. The shared
-- transforms cast userId to INTEGER; a value that is not a number would
-- otherwise abort the load with a cast error on one engine and not name the
-- key. Both targets stage userId as text and fail here, naming it.
-- check: log events whose userId is neither empty nor a number of up to 9 digits (fix those events in the log files)
SELECT COUNT(*) FROM staging_events
WHERE user_id <> '' AND NOT (user_id SIMILAR TO '[0-9]{1,9}');
