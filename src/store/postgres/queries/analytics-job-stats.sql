-- analyticsJobStats: per job (queue, name), attempts by status in a time window, with success rate
-- and durations. Failures are 'failed', 'dead' and 'stalled' attempts. Reads job_runs_finished_idx.
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL).
SELECT queue, name,
  count(*)::integer AS total,
  count(*) FILTER (WHERE status = 'completed')::integer AS completed,
  count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled'))::integer AS failed,
  count(*) FILTER (WHERE status = 'dead')::integer AS dead,
  count(*) FILTER (WHERE status = 'stalled')::integer AS stalled,
  count(*) FILTER (WHERE status = 'cancelled')::integer AS cancelled,
  avg(duration_ms) FILTER (WHERE status = 'completed')::float8 AS avg_duration_ms,
  max(duration_ms)::float8 AS max_duration_ms,
  avg(wait_ms)::float8 AS avg_wait_ms,
  max(finished_at) AS last_finished_at
FROM conveyor.job_runs
WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
  AND ($3::text IS NULL OR queue = $3::text)
  AND ($4::text IS NULL OR name = $4::text)
  AND ($5::text IS NULL OR tenant_id = $5::text)
GROUP BY queue, name
ORDER BY queue, name;
