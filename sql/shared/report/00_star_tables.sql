-- The star tables that exist in the current schema, and sparkify_loads (the
-- history of loads). The report treats a warehouse whose tables were never
-- created (no load has run yet) as empty, and reads the load history only
-- where it exists. information_schema.tables is the same on Postgres and
-- Redshift.
SELECT table_name
FROM information_schema.tables
WHERE table_schema = current_schema()
  AND table_name IN ('songplays', 'users', 'songs', 'artists', 'time', 'sparkify_loads')
ORDER BY table_name;
