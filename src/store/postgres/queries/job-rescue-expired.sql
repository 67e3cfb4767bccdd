-- jobRescueExpired: removes workers whose lease expired and returns their active jobs. The lost
-- attempt counts: a job with attempts left goes back to ready, one without becomes dead. Each gets
-- an error on the job and a 'stalled' run row. Jobs leased by an unknown worker are rescued too.
-- $1 now (timestamptz), $2 wake-up channel (text).
WITH expired AS (
  DELETE FROM conveyor.workers WHERE expires_at < $1::timestamptz RETURNING id, host
),
lost AS (
  SELECT j.id, j.lease_owner FROM conveyor.jobs j
  WHERE j.state = 'active' AND j.lease_owner IS NOT NULL
    AND (j.lease_owner IN (SELECT id FROM expired)
         OR NOT EXISTS (SELECT 1 FROM conveyor.workers w WHERE w.id = j.lease_owner))
  FOR UPDATE OF j SKIP LOCKED
),
rescued AS (
  UPDATE conveyor.jobs j
  SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'dead' ELSE 'ready' END,
      lease_owner = NULL,
      finished_at = CASE WHEN j.attempt >= j.max_attempts THEN $1::timestamptz END,
      errors = j.errors || jsonb_build_array(jsonb_build_object(
        'attempt', j.attempt, 'name', 'WorkerLostError', 'code', 'WORKER_LOST',
        'message', 'the worker running this job stopped renewing its lease (crashed or stalled)',
        'at', $1::timestamptz))
  FROM lost
  -- By primary key first (see job-promote-due.sql), then matched to its `lost` row.
  WHERE j.id = ANY (ARRAY(SELECT id FROM lost)) AND j.id = lost.id
  RETURNING j.id, j.queue, j.name, j.state, j.tenant_id, j.group_key, j.attempt, j.payload, j.unique_key,
    j.created_at, j.started_at, j.metadata, j.run_at, lost.lease_owner AS lost_worker
),
released AS (
  DELETE FROM conveyor.job_keys k USING rescued r
  WHERE r.state = 'dead' AND k.key = r.unique_key AND k.job_id = r.id AND k.expires_at IS NULL
),
runs AS (
  INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, group_key, attempt, status, payload, error,
    enqueued_at, started_at, finished_at, worker_id, metadata, worker_host, due_at)
  SELECT r.id, r.queue, r.name, r.tenant_id, r.group_key, r.attempt, 'stalled', r.payload,
    jsonb_build_object('name', 'WorkerLostError', 'code', 'WORKER_LOST',
      'message', 'the worker running this job stopped renewing its lease (crashed or stalled)'),
    r.created_at, r.started_at, $1::timestamptz, r.lost_worker, r.metadata, e.host, r.run_at
  FROM rescued r LEFT JOIN expired e ON e.id = r.lost_worker
),
woken AS (
  SELECT pg_notify($2::text, q.queue) FROM (SELECT DISTINCT queue FROM rescued WHERE state = 'ready') q
)
SELECT id::text AS id, queue, name, state, attempt, lost_worker, (SELECT count(*) FROM woken)::integer AS woken
FROM rescued;
