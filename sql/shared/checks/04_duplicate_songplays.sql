-- check: duplicate songplay_id or duplicate events in songplays
-- postgres enforces: songplays_pkey, songplays_user_id_session_id_item_in_session_key
SELECT SUM(n) FROM (
    SELECT COUNT(*) AS n FROM (
        SELECT songplay_id FROM songplays
        WHERE songplay_id > (SELECT last_songplay_id FROM load_bounds)
        GROUP BY songplay_id HAVING COUNT(*) > 1
    ) d
    UNION ALL
    SELECT COUNT(*) FROM (
        SELECT s.user_id, s.session_id, s.item_in_session
        FROM songplays s
        JOIN load_songplays p
          ON p.user_id = s.user_id
         AND p.session_id = s.session_id
         AND p.item_in_session = s.item_in_session
        GROUP BY s.user_id, s.session_id, s.item_in_session HAVING COUNT(*) > 1
    ) d
) c;
