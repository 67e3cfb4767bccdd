-- jobFailMany: ends a batch of failed attempts in one statement. A job with a retry time goes
-- back to scheduled (or ready, if due) keeping the error; one without becomes dead and releases
-- its while-unfinished unique key. Each attempt gets a run row ('failed' or 'dead'). Only jobs
-- still active under this worker's lease are touched (see job-complete-many.sql).
-- $1 items (jsonb array of {id, error, retry_at|null, started_at, finished_at, cpu_ms, heap_delta,
-- rss_delta}),
-- $2 worker id (text), $3 now (timestamptz), $4 wake-up channel (text).
WITH input AS (
  SELECT (e->>'id')::bigint AS id, e->'error' AS error, (e->>'retry_at')::timestamptz AS retry_at,
         (e->>'started_at')::timestamptz AS started_at, (e->>'finished_at')::timestamptz AS finished_at,
         (e->>'cpu_ms')::float8 AS cpu_ms, (e->>'heap_delta')::bigint AS heap_delta,
         (e->>'rss_delta')::bigint AS rss_delta
  FROM jsonb_array_elements($1::jsonb) AS e
),
-- run_at before this statement's update (every CTE reads the same snapshot): when the attempt was due.
prior AS (
  SELECT j.id, j.run_at FROM conveyor.jobs j WHERE j.id = ANY (ARRAY(SELECT id FROM input))
),
failed AS (
  UPDATE conveyor.jobs j
  SET state = CASE WHEN i.retry_at IS NULL THEN 'dead'
                   WHEN i.retry_at > $3::timestamptz THEN 'scheduled' ELSE 'ready' END,
      run_at = COALESCE(i.retry_at, j.run_at),
      sort_key = CASE WHEN i.retry_at IS NULL THEN j.sort_key
        ELSE (extract(epoch FROM i.retry_at) * 1000)::bigint
          + j.priority::bigint * COALESCE((SELECT aging_ms FROM conveyor.queues WHERE name = j.queue), 60000) END,
      errors = j.errors || jsonb_build_array(i.error),
      lease_owner = NULL,
      finished_at = CASE WHEN i.retry_at IS NULL THEN i.finished_at END
  FROM input i
  -- By primary key, not jobs_active_idx (see job-complete-many.sql), then matched to its input item.
  WHERE j.id = ANY (ARRAY(SELECT id FROM input)) AND j.id = i.id AND (j.state = 'active') IS TRUE
    AND j.lease_owner = $2::text
  RETURNING j.id, j.queue, j.name, j.state, j.tenant_id, j.group_key, j.attempt, j.payload, j.unique_key,
    j.created_at, j.metadata, i.error, i.started_at AS attempt_started_at, i.finished_at AS attempt_finished_at,
    i.cpu_ms, i.heap_delta, i.rss_delta
),
released AS (
  DELETE FROM conveyor.job_keys k USING failed f
  WHERE f.state = 'dead' AND k.key = f.unique_key AND k.job_id = f.id AND k.expires_at IS NULL
),
runs AS (
  INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, group_key, attempt, status, payload, error,
    enqueued_at, started_at, finished_at, worker_id, metadata, worker_host, due_at, cpu_ms, heap_delta_bytes,
    rss_delta_bytes)
  SELECT f.id, f.queue, f.name, f.tenant_id, f.group_key, f.attempt,
    CASE WHEN f.state = 'dead' THEN 'dead' ELSE 'failed' END, f.payload, f.error, f.created_at,
    f.attempt_started_at, f.attempt_finished_at, $2::text, f.metadata,
    (SELECT w.host FROM conveyor.workers w WHERE w.id = $2::text), p.run_at, f.cpu_ms, f.heap_delta, f.rss_delta
  FROM failed f LEFT JOIN prior p ON p.id = f.id
),
woken AS (
  SELECT pg_notify($4::text, q.queue) FROM (SELECT DISTINCT queue FROM failed WHERE state = 'ready') q
),
-- A slot of a queue with concurrency limits was freed: wake every process (see job-complete-many.sql).
freed AS (
  SELECT pg_notify($4::text, q.name) FROM conveyor.queues q
  WHERE q.name IN (SELECT DISTINCT queue FROM failed)
    AND (q.global_concurrency IS NOT NULL OR q.group_concurrency IS NOT NULL OR q.has_group_rules)
)
SELECT id::text AS id, state, (SELECT count(*) FROM woken)::integer + (SELECT count(*) FROM freed)::integer AS woken
FROM failed;
