-- Run after each successful COPY, in this order, for the run summary:
-- the rows it loaded, the files it read and the rows it rejected (MAXERROR).
SELECT pg_last_copy_count();

SELECT COUNT(DISTINCT filename) FROM stl_load_commits WHERE query = pg_last_copy_id();

SELECT COUNT(*) FROM stl_load_errors WHERE query = pg_last_copy_id();
