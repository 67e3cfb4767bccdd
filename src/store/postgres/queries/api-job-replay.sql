-- apiJobReplay: enqueues a fresh copy of jobs (by id, within a scope) in any state, completed ones
-- included (from their latest run row): same queue, name, payload, tenant, group and metadata, new
-- id, fresh attempts, ready now. The originals are untouched. Unique keys are not copied.
-- $1 scope tenant (text, NULL: every tenant), $2 ids (text[]), $3 now (timestamptz), $4 wake-up
-- channel (text). Returns each new id with the id it copies.
WITH source AS (
  SELECT j.id, j.queue, j.name, j.payload, j.priority, j.max_attempts, j.backoff, j.timeout_ms, j.tenant_id,
    j.group_key, j.metadata
  FROM conveyor.jobs j
  WHERE j.id = ANY($2::bigint[]) AND ($1::text IS NULL OR j.tenant_id = $1::text)
  UNION ALL
  SELECT * FROM (
    SELECT DISTINCT ON (r.job_id) r.job_id, r.queue, r.name, COALESCE(r.payload, 'null'::jsonb), 0,
      GREATEST(r.attempt, 1), NULL::jsonb, NULL::integer, r.tenant_id, COALESCE(r.group_key, ''), r.metadata
    FROM conveyor.job_runs r
    WHERE r.job_id = ANY($2::bigint[]) AND r.status = 'completed' AND ($1::text IS NULL OR r.tenant_id = $1::text)
      AND NOT EXISTS (SELECT 1 FROM conveyor.jobs j WHERE j.id = r.job_id)
    ORDER BY r.job_id, r.id DESC
  ) completed
),
copies AS (
  SELECT nextval('conveyor.job_id_seq') AS new_id, s.* FROM source s
),
inserted AS (
  INSERT INTO conveyor.jobs (id, queue, name, state, priority, run_at, sort_key, payload, max_attempts, backoff,
    timeout_ms, tenant_id, group_key, metadata, created_at)
  SELECT c.new_id, c.queue, c.name, 'ready', c.priority, $3::timestamptz,
    (extract(epoch FROM $3::timestamptz) * 1000)::bigint + c.priority::bigint * COALESCE(qc.aging_ms, 60000),
    c.payload, c.max_attempts, c.backoff, c.timeout_ms, c.tenant_id, c.group_key, c.metadata, $3::timestamptz
  FROM copies c LEFT JOIN conveyor.queues qc ON qc.name = c.queue
  RETURNING id, queue
),
woken AS (
  SELECT pg_notify($4::text, q.queue) FROM (SELECT DISTINCT queue FROM inserted) q
)
SELECT c.new_id::text AS id, c.id::text AS source_id, (SELECT count(*) FROM woken)::integer AS woken
FROM copies c;
