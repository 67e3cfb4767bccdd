-- jobRescueExpired: removes workers whose lease expired and returns their active jobs.
-- A job whose handler may have started counts the lost attempt: with attempts left it goes back to
-- ready, without it becomes dead; each gets an error on the job and a 'stalled' run row. A job the
-- worker had claimed into its buffer but never started (its lease_seq is above the worker's
-- started_seq: the worker records that number before it starts a buffered job) goes back to ready
-- with its attempt undone and nothing recorded, as a job given back at shutdown does
-- (docs/delivery-guarantees.md). Jobs leased by an unknown worker (no lease row to read) are
-- rescued too, and counted.
-- $1 now (timestamptz), $2 wake-up channel (text).
WITH expired AS (
  DELETE FROM conveyor.workers WHERE expires_at < $1::timestamptz RETURNING id, host, started_seq
),
lost AS (
  SELECT j.id, j.lease_owner,
    (j.lease_seq IS NULL OR e.started_seq IS NULL OR j.lease_seq <= e.started_seq) AS charged
  FROM conveyor.jobs j LEFT JOIN expired e ON e.id = j.lease_owner
  WHERE j.state = 'active' AND j.lease_owner IS NOT NULL
    AND (e.id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM conveyor.workers w WHERE w.id = j.lease_owner))
  FOR UPDATE OF j SKIP LOCKED
),
rescued AS (
  UPDATE conveyor.jobs j
  SET state = CASE WHEN lost.charged AND j.attempt >= j.max_attempts THEN 'dead' ELSE 'ready' END,
      attempt = CASE WHEN lost.charged THEN j.attempt ELSE j.attempt - 1 END,
      lease_owner = NULL,
      lease_seq = NULL,
      started_at = CASE WHEN lost.charged THEN j.started_at END,
      finished_at = CASE WHEN lost.charged AND j.attempt >= j.max_attempts THEN $1::timestamptz END,
      errors = CASE WHEN NOT lost.charged THEN j.errors ELSE j.errors || jsonb_build_array(jsonb_build_object(
        'attempt', j.attempt, 'name', 'WorkerLostError', 'code', 'WORKER_LOST',
        'message', 'the worker running this job stopped renewing its lease (crashed or stalled)',
        'at', $1::timestamptz)) END
  FROM lost
  -- By primary key first (see job-promote-due.sql), then matched to its `lost` row.
  WHERE j.id = ANY (ARRAY(SELECT id FROM lost)) AND j.id = lost.id
  RETURNING j.id, j.queue, j.name, j.state, j.tenant_id, j.group_key, j.attempt, j.max_attempts, j.priority,
    j.payload, j.unique_key, j.created_at, j.started_at, j.metadata, j.run_at, lost.lease_owner AS lost_worker,
    lost.charged
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
  WHERE r.charged
),
woken AS (
  SELECT pg_notify($2::text, q.queue) FROM (SELECT DISTINCT queue FROM rescued WHERE state = 'ready') q
)
SELECT id::text AS id, queue, name, state, attempt, max_attempts, priority, tenant_id, group_key, metadata,
  (extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
  (extract(epoch FROM started_at) * 1000)::float8 AS claimed_ms, lost_worker, charged,
  (SELECT count(*) FROM woken)::integer AS woken
FROM rescued;
