-- apiRunSearch: completed jobs (their completing run row in the history) matching a filter, newest
-- first, within a scope. Same parameters as api-job-search.sql ($2 states is ignored: completed).
SELECT r.job_id::text AS id, r.queue, r.name, 'completed' AS state, r.payload, 0 AS priority,
  r.enqueued_at AS run_at, r.attempt, r.attempt AS max_attempts, NULL::integer AS timeout_ms, r.tenant_id,
  r.group_key, NULL::text AS unique_key, r.metadata, NULL::jsonb AS progress, r.result, '[]'::jsonb AS errors,
  r.enqueued_at AS created_at, r.started_at, r.finished_at
FROM conveyor.job_runs r
WHERE r.status = 'completed'
  AND ($1::text IS NULL OR r.tenant_id = $1::text)
  AND ($3::text IS NULL OR r.queue = $3::text)
  AND ($4::text IS NULL OR r.name = $4::text)
  AND ($5::text IS NULL OR r.tenant_id = $5::text)
  AND ($6::timestamptz IS NULL OR r.enqueued_at >= $6::timestamptz)
  AND ($7::timestamptz IS NULL OR r.enqueued_at < $7::timestamptz)
  AND ($8::jsonb IS NULL OR r.payload @> $8::jsonb)
  AND ($9::text[] IS NULL OR r.job_id = ANY($9::bigint[]))
  AND ($10::text IS NULL OR r.job_id < $10::bigint)
  AND ($12::text IS NULL OR r.job_id = ANY (ARRAY(SELECT f.job_id FROM conveyor.job_runs f
    WHERE f.status IN ('failed', 'dead', 'stalled') AND conveyor.error_fingerprint(f.name, f.error->>'message') = $12::text)))
  AND ($2::text[] IS NULL OR 'completed' = ANY($2::text[]))
ORDER BY r.job_id DESC
LIMIT $11::integer;
