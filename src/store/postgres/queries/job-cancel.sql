-- jobCancel / jobCancelMany: cancels unfinished jobs (by id, within a scope) and records a
-- 'cancelled' run row each; unique keys held until the job finishes are released. An active job
-- keeps its lease owner, so the owning worker learns of it (cancel NOTIFY, or its next heartbeat)
-- and aborts the handler. The one statement behind conveyor.cancel() and the API's single and bulk
-- cancel, so both record the same rows and the caller emits the same job:cancelled event.
-- $1 scope tenant (text, NULL: every tenant), $2 ids (text[]), $3 now (timestamptz), $4 cancel
-- channel (text).
-- Returns, per job cancelled, the state before and its public info (times as epoch ms).
WITH target AS (
  SELECT id, state AS previous_state FROM conveyor.jobs
  WHERE id = ANY($2::bigint[]) AND state IN ('scheduled', 'ready', 'active')
    AND ($1::text IS NULL OR tenant_id = $1::text)
  FOR UPDATE
),
cancelled AS (
  UPDATE conveyor.jobs j SET state = 'cancelled', finished_at = $3::timestamptz
  FROM target t WHERE j.id = t.id
  RETURNING j.id, j.queue, j.name, j.tenant_id, j.group_key, j.attempt, j.max_attempts, j.priority, j.payload,
    j.unique_key, j.created_at, j.started_at, j.lease_owner, j.metadata, t.previous_state
),
runs AS (
  INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, group_key, attempt, status, payload, enqueued_at,
    started_at, finished_at, worker_id, metadata)
  SELECT id, queue, name, tenant_id, group_key, attempt, 'cancelled', payload, created_at,
    CASE WHEN previous_state = 'active' THEN started_at END, $3::timestamptz, lease_owner, metadata
  FROM cancelled
),
released AS (
  DELETE FROM conveyor.job_keys k USING cancelled c
  WHERE k.key = c.unique_key AND k.job_id = c.id AND k.expires_at IS NULL
),
told AS (
  SELECT pg_notify($4::text, id::text) FROM cancelled WHERE previous_state = 'active'
)
SELECT previous_state, id::text AS id, queue, name, tenant_id, group_key, attempt, max_attempts, priority, metadata,
  (extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  CASE WHEN previous_state = 'active' THEN (extract(epoch FROM started_at) * 1000)::float8 END AS claimed_ms,
  (SELECT count(*) FROM told)::integer AS told
FROM cancelled
ORDER BY id;
