-- jobInsertMany with the in-process handoff (client/local-workers.ts, worker/handoff.ts): the
-- statement of job-insert-many-keyless.sql for a batch without unique keys in which some job names
-- handoff_worker, an idle worker of the enqueuing process that would start it at once. Such a job,
-- due now, is inserted already active under that worker's lease (attempt 1, started now,
-- lease_seq NULL: charged, as a claim charges a job it hands to a free slot) when its queue has no
-- pause, limit or group rule and no job of the queue is ready (none is ahead of it); otherwise it
-- is inserted ready (or scheduled) as usual. handed_off says which; the worker starts it without a
-- claim and the rescuer covers it like any claimed job.
-- A separate statement so that batches without an idle local worker (every batch under load) keep
-- the cheaper keyless one: these columns and the handoff decision cost a 16-row insert ~15 % more
-- PostgreSQL execution time (EXPLAIN ANALYZE medians of 300 interleaved runs: 0.241 → 0.279 ms).
-- "No job of the queue is ready" is an ordered LIMIT 1 on jobs_ready_idx's order, not NOT EXISTS:
-- PostgreSQL drops ORDER BY and LIMIT inside EXISTS and, with many ready jobs of other queues in
-- the table, planned a sequential scan that read all of them for a queue with none (42 ms at
-- 337k rows); the ordered form stays an index probe.
-- $1 jobs (json array, as job-insert-many-keyless plus handoff_worker, text or null), $2 now
-- (timestamptz), $3 wake-up channel (text). Same result rows as job-insert-many-keyless, plus
-- handed_off. Keep the insert and wake-up rules in step with job-insert-many-keyless.sql.
WITH input AS (
  SELECT nextval('conveyor.job_id_seq') AS id, r.*
  FROM ROWS FROM (json_to_recordset($1::json) AS (queue text, name text, payload jsonb, priority integer,
    run_ms float8, max_attempts integer, backoff jsonb, timeout_ms integer, tenant_id text, group_key text,
    metadata jsonb, handoff_worker text)) WITH ORDINALITY
    AS r(queue, name, payload, priority, run_ms, max_attempts, backoff, timeout_ms, tenant_id, group_key,
      metadata, handoff_worker, ord)
),
decided AS (
  SELECT i.*, qc.aging_ms,
    CASE WHEN to_timestamp(i.run_ms / 1000) > $2::timestamptz THEN 'scheduled'
      WHEN i.handoff_worker IS NOT NULL
        AND (qc.name IS NULL OR NOT (qc.paused OR qc.global_concurrency IS NOT NULL OR qc.rate_limit IS NOT NULL
          OR qc.group_concurrency IS NOT NULL OR qc.group_rate_limit IS NOT NULL OR qc.has_group_rules))
        AND (SELECT r.id FROM conveyor.jobs r WHERE r.queue = i.queue AND r.state = 'ready'
          ORDER BY r.group_key, r.sort_key, r.id LIMIT 1) IS NULL
      THEN 'active'
      ELSE 'ready' END AS state
  FROM input i LEFT JOIN conveyor.queues qc ON qc.name = i.queue
),
inserted AS (
  INSERT INTO conveyor.jobs (id, queue, name, state, priority, run_at, sort_key, payload, max_attempts, backoff,
    timeout_ms, tenant_id, group_key, metadata, created_at, attempt, lease_owner, started_at)
  SELECT d.id, d.queue, d.name, d.state, d.priority, to_timestamp(d.run_ms / 1000),
    d.run_ms::bigint + d.priority::bigint * COALESCE(d.aging_ms, 60000),
    COALESCE(d.payload, 'null'::jsonb), d.max_attempts, d.backoff, d.timeout_ms, d.tenant_id,
    COALESCE(d.group_key, ''), d.metadata, $2::timestamptz,
    CASE WHEN d.state = 'active' THEN 1 ELSE 0 END,
    CASE WHEN d.state = 'active' THEN d.handoff_worker END,
    CASE WHEN d.state = 'active' THEN $2::timestamptz END
  FROM decided d
  RETURNING queue, state
)
SELECT i.id::text AS id, true AS created, NULL::text AS unique_key, i.state = 'active' AS handed_off,
  (SELECT count(pg_notify($3::text, q.queue))
   FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'ready') q)::integer AS woken
FROM decided i
ORDER BY i.ord;
