-- jobGet: one job by id, from the live table or, once completed, from its latest run row.
-- $1 id (text).
SELECT id::text AS id, queue, name, state, payload, priority, run_at, attempt, max_attempts, timeout_ms,
  tenant_id, group_key, unique_key, metadata, progress, NULL::jsonb AS result, errors, created_at,
  started_at, finished_at
FROM conveyor.jobs WHERE id = $1::bigint
UNION ALL
SELECT * FROM (
  SELECT r.job_id::text, r.queue, r.name, 'completed', r.payload, 0, r.enqueued_at, r.attempt, r.attempt, NULL::integer,
    r.tenant_id, r.group_key, NULL::text, r.metadata, NULL::jsonb, r.result, '[]'::jsonb, r.enqueued_at,
    r.started_at, r.finished_at
  FROM conveyor.job_runs r
  WHERE r.job_id = $1::bigint AND r.status = 'completed'
    AND NOT EXISTS (SELECT 1 FROM conveyor.jobs WHERE id = $1::bigint)
  ORDER BY r.id DESC LIMIT 1
) completed;
