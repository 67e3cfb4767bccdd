-- apiJobGet: one job by id within a scope, from the live table or, once completed, from its latest
-- run row. A job of another tenant is not found. $1 scope tenant (text, NULL: every tenant), $2 id.
SELECT id::text AS id, queue, name, state, payload, priority, run_at, attempt, max_attempts, timeout_ms,
  tenant_id, group_key, unique_key, metadata, progress, NULL::jsonb AS result, errors, created_at,
  started_at, finished_at
FROM conveyor.jobs WHERE id = $2::bigint AND ($1::text IS NULL OR tenant_id = $1::text)
UNION ALL
SELECT * FROM (
  SELECT r.job_id::text, r.queue, r.name, 'completed', r.payload, 0, r.enqueued_at, r.attempt, r.attempt,
    NULL::integer, r.tenant_id, r.group_key, NULL::text, r.metadata, NULL::jsonb, r.result, '[]'::jsonb,
    r.enqueued_at, r.started_at, r.finished_at
  FROM conveyor.job_runs r
  WHERE r.job_id = $2::bigint AND r.status = 'completed' AND ($1::text IS NULL OR r.tenant_id = $1::text)
    AND NOT EXISTS (SELECT 1 FROM conveyor.jobs WHERE id = $2::bigint)
  ORDER BY r.id DESC LIMIT 1
) completed;
