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
-- write it. None exists before the first load.
SELECT CAST(table_name AS VARCHAR(128)) AS table_name,
       has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'SELECT') AS can_select,
       has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'INSERT') AS can_insert,
       has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'UPDATE') AS can_update,
       has_table_privilege(quote_ident(table_schema) || '.' || quote_ident(table_name), 'DELETE') AS can_delete
FROM information_schema.tables
WHERE table_schema = current_schema()
  AND (table_name IN ('songplays', 'users', 'songs', 'artists', 'time') OR table_name LIKE 'sparkify%')
ORDER BY table_name;
