-- The ledger of source objects (sparkify_objects, migration 0006).

-- Read before staging: the objects the warehouse holds.
-- name: read
SELECT uri, version FROM sparkify_objects;

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

-- name: forget
DELETE FROM sparkify_objects USING load_objects
WHERE sparkify_objects.uri = load_objects.uri;

-- $1 is the load's id.
-- name: record
INSERT INTO sparkify_objects (uri, version, load_id)
SELECT uri, version, $1 FROM load_objects WHERE retracted = 0;
