-- jobInsertMany: inserts a batch of jobs in one statement, reserving unique keys first.
-- $1 jobs (jsonb array of {queue, name, payload, priority, run_at, max_attempts, backoff, timeout_ms,
--    tenant_id, group_key, unique_key, unique_until, metadata}); each unique_key at most once.
-- $2 now (timestamptz). $3 wake-up channel (text): one NOTIFY per queue that got ready jobs.
-- Returns one row per input, in input order: the id, and whether it was inserted. A job whose key
-- is held elsewhere returns created = false and a NULL id (the caller looks the key up).
WITH input AS (
  SELECT nextval('conveyor.job_id_seq') AS id, e.ord, e.doc
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(doc, ord)
),
reserved AS (
  INSERT INTO conveyor.job_keys AS k (key, job_id, expires_at)
  SELECT doc->>'unique_key', id, (doc->>'unique_until')::timestamptz
  FROM input
  WHERE doc->>'unique_key' IS NOT NULL
  ON CONFLICT (key) DO UPDATE SET job_id = EXCLUDED.job_id, expires_at = EXCLUDED.expires_at
    WHERE k.expires_at IS NOT NULL AND k.expires_at <= $2::timestamptz
  RETURNING k.job_id
),
inserted AS (
  INSERT INTO conveyor.jobs (id, queue, name, state, priority, run_at, sort_key, payload, max_attempts, backoff,
    timeout_ms, tenant_id, group_key, unique_key, metadata, created_at)
  SELECT i.id, doc->>'queue', doc->>'name',
    CASE WHEN (doc->>'run_at')::timestamptz > $2::timestamptz THEN 'scheduled' ELSE 'ready' END,
    (doc->>'priority')::integer, (doc->>'run_at')::timestamptz,
    (extract(epoch FROM (doc->>'run_at')::timestamptz) * 1000)::bigint
      + (doc->>'priority')::bigint * COALESCE(qc.aging_ms, 60000),
    doc->'payload',
    (doc->>'max_attempts')::integer, NULLIF(doc->'backoff', 'null'::jsonb), (doc->>'timeout_ms')::integer,
    doc->>'tenant_id', COALESCE(doc->>'group_key', ''), doc->>'unique_key', NULLIF(doc->'metadata', 'null'::jsonb),
    $2::timestamptz
  FROM input i LEFT JOIN conveyor.queues qc ON qc.name = i.doc->>'queue'
  WHERE doc->>'unique_key' IS NULL OR i.id IN (SELECT job_id FROM reserved)
  RETURNING id, queue, state
),
woken AS (
  SELECT pg_notify($3::text, q.queue) FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'ready') q
)
SELECT CASE WHEN ins.id IS NULL THEN NULL ELSE i.id::text END AS id,
       ins.id IS NOT NULL AS created,
       i.doc->>'unique_key' AS unique_key,
       (SELECT count(*) FROM woken)::integer AS woken
FROM input i LEFT JOIN inserted ins ON ins.id = i.id
ORDER BY i.ord;
