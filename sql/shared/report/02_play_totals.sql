-- Headline figures of the song plays of the days $1 to $2 (both included):
-- all plays, plays matched to the song catalogue, plays made at the paid
-- level (the level at the time of play), distinct users who played, and the
-- first and last play (UTC). The report runs it again for the period
-- before, to compare. Over all history ($3 = 1) the users are counted from
-- the all-history rows per user (rollup_users), over the days $1 to $2
-- otherwise (rollup_user_days); the branch not taken is pruned when the
-- statement is planned with its values.
SELECT h.plays, h.matched_plays, h.paid_plays, u.users, h.first_play, h.last_play
FROM (
    SELECT COALESCE(CAST(SUM(plays) AS BIGINT), 0) AS plays,
           COALESCE(CAST(SUM(matched_plays) AS BIGINT), 0) AS matched_plays,
           COALESCE(CAST(SUM(paid_plays) AS BIGINT), 0) AS paid_plays,
           MIN(first_play) AS first_play,
           MAX(last_play) AS last_play
    FROM rollup_hours
    WHERE play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
) h
CROSS JOIN (
    SELECT CAST(SUM(users) AS BIGINT) AS users
    FROM (
        SELECT COUNT(*) AS users
        FROM rollup_users
        WHERE CAST($3 AS INTEGER) = 1
        UNION ALL
        SELECT COUNT(DISTINCT user_id)
        FROM rollup_user_days
        WHERE CAST($3 AS INTEGER) = 0
          AND play_date BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
    ) n
) u;
