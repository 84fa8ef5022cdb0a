-- Users by their current level and gender (both from the user's latest
-- event). NULLs come back as '' and are shown as "unknown".
SELECT COALESCE(level, '') AS level,
       COALESCE(gender, '') AS gender,
       COUNT(*) AS users
FROM users
GROUP BY COALESCE(level, ''), COALESCE(gender, '')
ORDER BY 1, 2;
