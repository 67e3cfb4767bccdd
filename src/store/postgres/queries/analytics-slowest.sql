-- analyticsSlowest: the longest attempts in a time window (any outcome but cancelled), slowest first.
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL), $6 limit (integer).
SELECT id::text AS run_id, job_id::text AS job_id, queue, name, tenant_id, attempt, status,
  duration_ms, wait_ms, cpu_ms, heap_delta_bytes, worker_id, worker_host, started_at, finished_at
FROM conveyor.job_runs
WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
  AND duration_ms IS NOT NULL AND status <> 'cancelled'
  AND ($3::text IS NULL OR queue = $3::text)
  AND ($4::text IS NULL OR name = $4::text)
  AND ($5::text IS NULL OR tenant_id = $5::text)
ORDER BY duration_ms DESC, id
LIMIT $6::integer;
