-- analyticsOverall: system-wide attempt counts and durations in a time window.
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL).
SELECT
  count(*)::integer AS total,
  count(*) FILTER (WHERE status = 'completed')::integer AS completed,
  count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled'))::integer AS failed,
  count(*) FILTER (WHERE status = 'dead')::integer AS dead,
  count(*) FILTER (WHERE status = 'stalled')::integer AS stalled,
  count(*) FILTER (WHERE status = 'cancelled')::integer AS cancelled,
  count(DISTINCT job_id)::integer AS jobs,
  count(DISTINCT name)::integer AS job_names,
  count(DISTINCT worker_id)::integer AS workers,
  avg(duration_ms) FILTER (WHERE status = 'completed')::float8 AS avg_duration_ms,
  avg(wait_ms)::float8 AS avg_wait_ms,
  sum(cpu_ms)::float8 AS total_cpu_ms
FROM conveyor.job_runs
WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
  AND ($3::text IS NULL OR queue = $3::text)
  AND ($4::text IS NULL OR name = $4::text)
  AND ($5::text IS NULL OR tenant_id = $5::text);
