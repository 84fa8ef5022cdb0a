-- check: duplicate user_id in users
-- postgres enforces: users_pkey
SELECT COUNT(*) FROM (
    SELECT user_id FROM users
    WHERE user_id IN (SELECT user_id FROM load_users)
    GROUP BY user_id HAVING COUNT(*) > 1
) d;
