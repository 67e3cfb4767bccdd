-- apiJobRuns: every recorded attempt of a job (the run history), oldest first, within a scope.
-- $1 scope tenant (text, NULL: every tenant), $2 job id.
SELECT id::text AS run_id, attempt, status, result, error, enqueued_at, due_at, started_at, finished_at,
  duration_ms, wait_ms, worker_id, worker_host, cpu_ms
FROM conveyor.job_runs
WHERE job_id = $2::bigint AND ($1::text IS NULL OR tenant_id = $1::text)
ORDER BY id;
