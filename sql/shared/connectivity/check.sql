-- The statements of "job -phase check": reads only, the same on Postgres and
-- Redshift (has_schema_privilege, has_database_privilege and
-- has_table_privilege are on both).

-- name: privileges
-- Who the job connects as, and whether it may create its tables in the
-- current schema and the load's temporary staging tables.
SELECT CAST(current_user AS VARCHAR(128)) AS user_name,
       CAST(current_schema() AS VARCHAR(128)) AS schema_name,
       CAST(current_database() AS VARCHAR(128)) AS database_name,
       has_schema_privilege(current_schema(), 'CREATE') AS can_create,
       has_database_privilege(current_database(), 'TEMP') AS can_temp;

-- name: tables
-- The job's tables that exist in the current schema (the star tables and
-- its own sparkify_ tables), each with whether the job's user may read and
-- write it. None exists before the first load. pg_tables, not
-- information_schema.tables, which hides the tables a user has no
-- privilege on.
SELECT CAST(tablename AS VARCHAR(128)) AS table_name,
       has_table_privilege(quote_ident(schemaname) || '.' || quote_ident(tablename), 'SELECT') AS can_select,
       has_table_privilege(quote_ident(schemaname) || '.' || quote_ident(tablename), 'INSERT') AS can_insert,
       has_table_privilege(quote_ident(schemaname) || '.' || quote_ident(tablename), 'UPDATE') AS can_update,
       has_table_privilege(quote_ident(schemaname) || '.' || quote_ident(tablename), 'DELETE') AS can_delete
FROM pg_tables
WHERE schemaname = current_schema()
  AND (tablename IN ('songplays', 'users', 'songs', 'artists', 'time') OR tablename LIKE 'sparkify%')
ORDER BY tablename;
