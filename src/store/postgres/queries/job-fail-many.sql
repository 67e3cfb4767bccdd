-- jobFailMany: ends a batch of failed attempts in one statement. A job with a retry time goes
-- back to scheduled (or ready, if due) keeping the error; one without becomes dead and releases
-- its while-unfinished unique key. Each attempt gets a run row ('failed' or 'dead'). Only jobs
-- still active under this worker's lease are touched (see job-complete-many.sql).
-- $1 items (jsonb array of {id, error, retry_at|null, started_at, finished_at}),
-- $2 worker id (text), $3 now (timestamptz), $4 wake-up channel (text).
WITH input AS (
  SELECT (e->>'id')::bigint AS id, e->'error' AS error, (e->>'retry_at')::timestamptz AS retry_at,
         (e->>'started_at')::timestamptz AS started_at, (e->>'finished_at')::timestamptz AS finished_at
  FROM jsonb_array_elements($1::jsonb) AS e
),
failed AS (
  UPDATE conveyor.jobs j
  SET state = CASE WHEN i.retry_at IS NULL THEN 'dead'
                   WHEN i.retry_at > $3::timestamptz THEN 'scheduled' ELSE 'ready' END,
      run_at = COALESCE(i.retry_at, j.run_at),
      errors = j.errors || jsonb_build_array(i.error),
      lease_owner = NULL,
      finished_at = CASE WHEN i.retry_at IS NULL THEN i.finished_at END
  FROM input i
  WHERE j.id = i.id AND j.state = 'active' AND j.lease_owner = $2::text
  RETURNING j.id, j.queue, j.name, j.state, j.tenant_id, j.group_key, j.attempt, j.payload, j.unique_key,
    j.created_at, j.metadata, i.error, i.started_at AS attempt_started_at, i.finished_at AS attempt_finished_at
),
released AS (
  DELETE FROM conveyor.job_keys k USING failed f
  WHERE f.state = 'dead' AND k.key = f.unique_key AND k.job_id = f.id AND k.expires_at IS NULL
),
runs AS (
  INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, group_key, attempt, status, payload, error,
    enqueued_at, started_at, finished_at, worker_id, metadata)
  SELECT id, queue, name, tenant_id, group_key, attempt, CASE WHEN state = 'dead' THEN 'dead' ELSE 'failed' END,
    payload, error, created_at, attempt_started_at, attempt_finished_at, $2::text, metadata
  FROM failed
),
woken AS (
  SELECT pg_notify($4::text, q.queue) FROM (SELECT DISTINCT queue FROM failed WHERE state = 'ready') q
)
SELECT id::text AS id, state, (SELECT count(*) FROM woken)::integer AS woken FROM failed;
