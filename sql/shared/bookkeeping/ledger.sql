-- The ledger of source objects (sparkify_objects, migration 0006).

-- Read before staging: the objects the warehouse holds, by their lineage id
-- (the job's hash of the URI), so that the job holds no URI per object.
-- name: read
SELECT object_id, version FROM sparkify_objects;

-- The URIs of objects the listing did not see (deleted from the sources, or
-- under another prefix); the job puts a bind parameter per id in the list.
-- name: uris
SELECT object_id, uri FROM sparkify_objects WHERE object_id IN ({{IDS}});

-- The objects this load replaces, in a temporary table the transforms read:
-- those it staged (new or changed) and those it retracts (deleted from the
-- source, with SPARKIFY_DELETED_SOURCES=retract). object_id is the job's
-- hash of the URI, the source_object of the rows staged from it. {{ROWS}} is
-- a list of ($n, ..., $n+3) bind-parameter groups written by the job, one
-- per object of a batch.
-- name: create
CREATE TEMP TABLE load_objects (uri VARCHAR(1024), version VARCHAR(128), object_id BIGINT, retracted INTEGER);

-- name: add
INSERT INTO load_objects (uri, version, object_id, retracted) VALUES {{ROWS}};

-- Statistics, so that the transforms find the records of a few objects
-- through their index instead of reading every record (a temporary table
-- is never analyzed by itself on Postgres).
-- name: analyze
ANALYZE load_objects;

-- name: forget
DELETE FROM sparkify_objects USING load_objects
WHERE sparkify_objects.uri = load_objects.uri;

-- $1 is the load's id.
-- name: record
INSERT INTO sparkify_objects (uri, object_id, version, load_id)
SELECT uri, object_id, version, $1 FROM load_objects WHERE retracted = 0;
