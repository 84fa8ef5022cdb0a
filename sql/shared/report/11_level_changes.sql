-- Users who changed level, among users with song plays in the days $1 to
-- $2. A user moved from free to paid when a free play is followed by a
-- later paid play, or by a paid current level (users.level comes from the
-- user's latest event, which is never older than their plays); paid to free
-- likewise. rollup_user_days keeps each day's first and last play per user
-- and level; over all history ($3 = 1) rollup_users keeps them per user.
SELECT COUNT(CASE WHEN p.first_free < p.last_paid
                    OR (p.first_free IS NOT NULL AND u.level = 'paid')
                  THEN 1 END) AS free_to_paid,
       COUNT(CASE WHEN p.first_paid < p.last_free
                    OR (p.first_paid IS NOT NULL AND u.level = 'free')
                  THEN 1 END) AS paid_to_free
FROM (
    SELECT user_id, first_free, last_free, first_paid, last_paid
    FROM rollup_users
    WHERE CAST($3 AS INTEGER) = 1
    UNION ALL
    SELECT user_id,
           MIN(CASE WHEN level = 'free' THEN first_play END),
           MAX(CASE WHEN level = 'free' THEN last_play END),
           MIN(CASE WHEN level = 'paid' THEN first_play END),
           MAX(CASE WHEN level = 'paid' THEN last_play END)
    FROM rollup_user_days
    WHERE CAST($3 AS INTEGER) = 0
      AND play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
    GROUP BY user_id
) p
LEFT JOIN users u ON u.user_id = p.user_id;
