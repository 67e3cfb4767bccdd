-- jobList: live, dead or cancelled jobs matching a filter, by id, one page at a time.
-- $1 states (text[] or NULL for any), $2 queue, $3 name, $4 tenant id, $5 ids (text[]) — each NULL
-- for any; $6 after id (text or NULL), $7 limit (integer).
SELECT id::text AS id, queue, name, state, payload, priority, run_at, attempt, max_attempts, timeout_ms,
  tenant_id, group_key, unique_key, metadata, progress, NULL::jsonb AS result, errors, created_at,
  started_at, finished_at
FROM conveyor.jobs j
WHERE ($1::text[] IS NULL OR state = ANY($1::text[]))
  AND ($2::text IS NULL OR queue = $2::text)
  AND ($3::text IS NULL OR name = $3::text)
  AND ($4::text IS NULL OR tenant_id = $4::text)
  AND ($5::text[] IS NULL OR id = ANY($5::bigint[]))
  AND ($6::text IS NULL OR id > $6::bigint)
-- j.id, the bigint: a bare `id` is the select list's text, which put job 10 before job 9 and made
-- `afterId` pages skip jobs.
ORDER BY j.id
LIMIT $7::integer;
