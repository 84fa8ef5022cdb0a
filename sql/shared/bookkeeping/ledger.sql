-- The ledger of source objects (sparkify_source_objects, migration 0004).

-- Read before staging: the objects committed loads took.
-- name: read
SELECT uri, version FROM sparkify_source_objects;

-- The objects this load took, in a temporary table; {{ROWS}} is a list of
-- ($n, $n+1) bind-parameter pairs written by the job, one per object of a
-- batch.
-- name: create
CREATE TEMP TABLE load_objects (uri VARCHAR(1024), version VARCHAR(128));

-- name: add
INSERT INTO load_objects (uri, version) VALUES {{ROWS}};

-- name: forget
DELETE FROM sparkify_source_objects USING load_objects
WHERE sparkify_source_objects.uri = load_objects.uri;

-- $1 is the load's id.
-- name: record
INSERT INTO sparkify_source_objects (uri, version, load_id)
SELECT uri, version, $1 FROM load_objects;
