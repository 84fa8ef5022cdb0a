-- check: duplicate songplay_id or duplicate events in songplays
SELECT SUM(n) FROM (
    SELECT COUNT(*) AS n FROM (
        SELECT songplay_id FROM songplays GROUP BY songplay_id HAVING COUNT(*) > 1
    ) d
    UNION ALL
    SELECT COUNT(*) FROM (
        SELECT user_id, session_id, item_in_session FROM songplays
        GROUP BY user_id, session_id, item_in_session HAVING COUNT(*) > 1
    ) d
) c;
