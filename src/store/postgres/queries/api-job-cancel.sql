-- apiJobCancel: cancels unfinished jobs (by id, within a scope) as job-cancel.sql does one: a run
-- row each, unique keys released, and the owner of an active one told (cancel NOTIFY; its next
-- heartbeat otherwise). $1 scope tenant (text, NULL: every tenant), $2 ids (text[]), $3 now
-- (timestamptz), $4 cancel channel (text). Returns the ids cancelled.
WITH target AS (
  SELECT id, state AS previous_state FROM conveyor.jobs
  WHERE id = ANY($2::bigint[]) AND state IN ('scheduled', 'ready', 'active')
    AND ($1::text IS NULL OR tenant_id = $1::text)
  FOR UPDATE
),
cancelled AS (
  UPDATE conveyor.jobs j SET state = 'cancelled', finished_at = $3::timestamptz
  FROM target t WHERE j.id = t.id
  RETURNING j.id, j.queue, j.name, j.tenant_id, j.group_key, j.attempt, j.payload, j.unique_key, j.created_at,
    j.started_at, j.lease_owner, j.metadata, t.previous_state
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
SELECT id::text AS id, (SELECT count(*) FROM told)::integer AS told FROM cancelled;
