-- analyticsRecentFailures: the newest failed, dead and stalled attempts in a time window, with
-- their error (message and stack) and payload, for debugging.
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL), $6 limit (integer).
SELECT id::text AS run_id, job_id::text AS job_id, queue, name, tenant_id, attempt, status,
  error->>'name' AS error_name, error->>'message' AS error_message, error->>'stack' AS error_stack,
  error->>'code' AS error_code, payload, worker_id, worker_host, started_at, finished_at, duration_ms
FROM conveyor.job_runs
WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
  AND status IN ('failed', 'dead', 'stalled')
  AND ($3::text IS NULL OR queue = $3::text)
  AND ($4::text IS NULL OR name = $4::text)
  AND ($5::text IS NULL OR tenant_id = $5::text)
ORDER BY finished_at DESC, id DESC
LIMIT $6::integer;
