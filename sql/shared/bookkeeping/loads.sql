-- The load's row in sparkify_loads (schema migration 0003). Values are bind
-- parameters; the times are UTC text cast to TIMESTAMP.

-- Written in the load's transaction, just before its commit.
-- name: committed
INSERT INTO sparkify_loads (load_id, status, started_at, finished_at, job_version, song_data, log_data,
                            objects, records, skipped,
                            songplays_inserted, songplays_updated, users_inserted, users_updated,
                            songs_inserted, songs_updated, artists_inserted, artists_updated, time_inserted,
                            songplays_rows, users_rows, songs_rows, artists_rows, time_rows)
VALUES ($1, 'committed', CAST($2 AS TIMESTAMP), CAST($3 AS TIMESTAMP), $4, $5, $6,
        $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
        $19, $20, $21, $22, $23);

-- Written after a failed load's rollback, on its own.
-- name: failed
INSERT INTO sparkify_loads (load_id, status, started_at, finished_at, job_version, song_data, log_data,
                            error_class, error)
VALUES ($1, 'failed', CAST($2 AS TIMESTAMP), CAST($3 AS TIMESTAMP), $4, $5, $6, $7, $8);
