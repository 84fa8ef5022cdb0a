-- The job's record of applied schema migrations (sparkify_schema_version is
-- created by each target's begin.sql or setup.sql).

-- name: read
SELECT COALESCE(MAX(version), 0) FROM sparkify_schema_version;

-- {{VERSION}} is the migration's number, written by the job.
-- name: record
INSERT INTO sparkify_schema_version (version) VALUES ({{VERSION}});
