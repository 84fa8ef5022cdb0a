-- A rebuild: the first load, the first load after the upgrade that added
-- lineage, and every full refresh (-full-refresh, SPARKIFY_FULL_REFRESH=true,
-- and each Redshift load without SPARKIFY_STAGING_URI). The load takes
-- every object of the sources as they are now, and every object the
-- warehouse holds records of is replaced (load_objects, retracted: its
-- records give way to what is staged now, and it stays in the ledger only if
-- it was staged). So every key is recomputed from the sources as they are,
-- and the load ends equal to a fresh database; rows that stay as they were
-- are left alone, so a rebuild of unchanged sources changes no row.
INSERT INTO load_objects (uri, version, object_id, retracted)
SELECT '', '', source_object, 1
FROM (
    SELECT source_object FROM sparkify_play_records
    UNION
    SELECT source_object FROM sparkify_song_records
    UNION
    SELECT source_object FROM sparkify_user_records
) o;

DELETE FROM sparkify_objects;
