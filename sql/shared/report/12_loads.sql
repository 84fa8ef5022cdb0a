-- The last load attempt and the last committed load, from sparkify_loads:
-- how fresh the report's data is, and whether the night's load failed.
SELECT load_id, status, finished_at, COALESCE(error_class, '') AS error_class
FROM (SELECT load_id, status, finished_at, error_class FROM sparkify_loads
      ORDER BY finished_at DESC LIMIT 1) last_attempt
UNION ALL
SELECT load_id, status, finished_at, COALESCE(error_class, '') AS error_class
FROM (SELECT load_id, status, finished_at, error_class FROM sparkify_loads
      WHERE status = 'committed' ORDER BY finished_at DESC LIMIT 1) last_committed;
