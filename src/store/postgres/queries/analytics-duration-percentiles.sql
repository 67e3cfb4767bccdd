-- analyticsDurationPercentiles: per job, run-time percentiles (p50/p95/p99, interpolated with
-- percentile_cont) of completed and failed attempts in a time window, with mean, min, max and
-- mean wait (enqueue or due → start).
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL).
SELECT queue, name,
  count(*)::integer AS count,
  avg(duration_ms)::float8 AS avg_ms,
  min(duration_ms)::float8 AS min_ms,
  max(duration_ms)::float8 AS max_ms,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p50_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p95_ms,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p99_ms,
  avg(wait_ms)::float8 AS avg_wait_ms
FROM conveyor.job_runs
WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
  AND status IN ('completed', 'failed', 'dead') AND duration_ms IS NOT NULL
  AND ($3::text IS NULL OR queue = $3::text)
  AND ($4::text IS NULL OR name = $4::text)
  AND ($5::text IS NULL OR tenant_id = $5::text)
GROUP BY queue, name
ORDER BY queue, name;
