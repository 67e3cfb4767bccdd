-- apiJobSearch: live, dead or cancelled jobs matching a filter, newest first, one page at a time,
-- within a scope. $1 scope tenant (text, NULL: every tenant) — the API's tenant rule, applied here
-- and in every api-*.sql statement.
-- $2 states (text[] or NULL), $3 queue, $4 name, $5 tenant id, $6 created from (timestamptz),
-- $7 created until (timestamptz, exclusive), $8 payload containment (jsonb: jobs_payload_idx),
-- $9 ids (text[]) — each NULL for any; $10 before id (cursor, text or NULL), $11 limit (integer).
SELECT id::text AS id, queue, name, state, payload, priority, run_at, attempt, max_attempts, timeout_ms,
  tenant_id, group_key, unique_key, metadata, progress, NULL::jsonb AS result, errors, created_at,
  started_at, finished_at
FROM conveyor.jobs j
WHERE ($1::text IS NULL OR tenant_id = $1::text)
  AND ($2::text[] IS NULL OR state = ANY($2::text[]))
  AND ($3::text IS NULL OR queue = $3::text)
  AND ($4::text IS NULL OR name = $4::text)
  AND ($5::text IS NULL OR tenant_id = $5::text)
  AND ($6::timestamptz IS NULL OR created_at >= $6::timestamptz)
  AND ($7::timestamptz IS NULL OR created_at < $7::timestamptz)
  AND ($8::jsonb IS NULL OR payload @> $8::jsonb)
  AND ($9::text[] IS NULL OR id = ANY($9::bigint[]))
  AND ($10::text IS NULL OR id < $10::bigint)
-- j.id: a bare `id` would be the text column of the select list (9 after 10).
ORDER BY j.id DESC
LIMIT $11::integer;
