-- Users who changed level, among users with song plays. A user moved from
-- free to paid when a free play is followed by a later paid play, or by a
-- paid current level (users.level comes from the user's latest event, which
-- is never older than their plays); paid to free likewise.
SELECT COUNT(CASE WHEN p.first_free < p.last_paid
                    OR (p.first_free IS NOT NULL AND u.level = 'paid')
                  THEN 1 END) AS free_to_paid,
       COUNT(CASE WHEN p.first_paid < p.last_free
                    OR (p.first_paid IS NOT NULL AND u.level = 'free')
                  THEN 1 END) AS paid_to_free
FROM (
    SELECT user_id,
           MIN(CASE WHEN level = 'free' THEN start_time END) AS first_free,
           MAX(CASE WHEN level = 'free' THEN start_time END) AS last_free,
           MIN(CASE WHEN level = 'paid' THEN start_time END) AS first_paid,
           MAX(CASE WHEN level = 'paid' THEN start_time END) AS last_paid
    FROM songplays
    GROUP BY user_id
) p
LEFT JOIN users u ON u.user_id = p.user_id;
