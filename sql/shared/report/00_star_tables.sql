-- The star tables that exist in the current schema. The report treats a
-- warehouse whose tables were never created (no load has run yet) as empty.
-- information_schema.tables is the same on Postgres and Redshift.
SELECT table_name
FROM information_schema.tables
WHERE table_schema = current_schema()
  AND table_name IN ('songplays', 'users', 'songs', 'artists', 'time')
ORDER BY table_name;
