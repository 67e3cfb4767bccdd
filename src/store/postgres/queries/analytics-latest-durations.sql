-- analyticsLatestDurations: per job with completed attempts since $1, the newest completed
-- attempt's duration and the mean (and count) of the completed attempts before it in the window:
-- the inputs of the "slower than k × recent average" alert.
-- $1 since (timestamptz), $2 name (text or NULL), $3 queue (text or NULL).
WITH ranked AS (
  SELECT queue, name, job_id, duration_ms, finished_at,
    row_number() OVER (PARTITION BY queue, name ORDER BY finished_at DESC, id DESC) AS n
  FROM conveyor.job_runs
  WHERE finished_at >= $1::timestamptz AND status = 'completed' AND duration_ms IS NOT NULL
    AND ($2::text IS NULL OR name = $2::text)
    AND ($3::text IS NULL OR queue = $3::text)
)
SELECT queue, name,
  (max(job_id) FILTER (WHERE n = 1))::text AS latest_job_id,
  max(duration_ms) FILTER (WHERE n = 1)::float8 AS latest_ms,
  avg(duration_ms) FILTER (WHERE n > 1)::float8 AS baseline_avg_ms,
  count(*) FILTER (WHERE n > 1)::integer AS baseline_count
FROM ranked
GROUP BY queue, name
ORDER BY queue, name;
