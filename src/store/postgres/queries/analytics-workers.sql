-- analyticsWorkers: per worker process (id and host), attempts run in a time window, their outcome,
-- duration, CPU time and memory deltas. Rows without a worker (cancelled before start) are skipped.
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL).
SELECT worker_id, max(worker_host) AS worker_host,
  count(*)::integer AS total,
  count(*) FILTER (WHERE status = 'completed')::integer AS completed,
  count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled'))::integer AS failed,
  avg(duration_ms)::float8 AS avg_duration_ms,
  sum(duration_ms)::float8 AS busy_ms,
  sum(cpu_ms)::float8 AS total_cpu_ms,
  avg(heap_delta_bytes)::float8 AS avg_heap_delta_bytes,
  max(rss_delta_bytes)::float8 AS max_rss_delta_bytes,
  min(started_at) AS first_started_at,
  max(finished_at) AS last_finished_at
FROM conveyor.job_runs
WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz AND worker_id IS NOT NULL
  AND ($3::text IS NULL OR queue = $3::text)
  AND ($4::text IS NULL OR name = $4::text)
  AND ($5::text IS NULL OR tenant_id = $5::text)
GROUP BY worker_id
ORDER BY total DESC, worker_id;
