-- apiJobSearch: live, dead or cancelled jobs matching a filter, newest first, one page at a time,
-- within a scope. $1 scope tenant (text, NULL: every tenant) — the API's tenant rule, applied here
-- and in every api-*.sql statement.
-- $2 states (text[] or NULL), $3 queue, $4 name, $5 tenant id, $6 created from (timestamptz),
-- $7 created until (timestamptz, exclusive), $8 payload containment (jsonb), $9 ids (text[]) —
-- each NULL for any; $10 before id (cursor, text or NULL), $11 limit (integer), $12 failure
-- fingerprint (text or NULL): jobs with a failed attempt of that group (api-failure-groups.sql):
-- the group's job ids from job_runs_fingerprint_idx (migration 0012) as an array, then those jobs by
-- primary key; as `id IN (subquery)` the planner walked jobs_pkey through the whole table, probing
-- each row (1.3 s over 1,000,000 jobs, bench/src/api/main.ts).
--
-- Three branches with the same filters: the states jobs rest in (scheduled, dead, cancelled), where
-- payload containment reads the partial GIN index jobs_payload_idx, then ready and active jobs, one
-- branch each so that each reads its own partial index (jobs_ready_idx, jobs_active_idx; with both
-- states in one branch the planner read the whole table). A branch of no asked state is cut at
-- planning (its `$2` test folds to false). The GIN index covers only resting states so
-- that enqueueing a ready job and claiming it write no GIN entry (migration 0010 has the WAL
-- figures). Ordered by j.id: a bare `id` would be the select list's text (9 after 10).
-- The fingerprint's job ids are read once for the three branches (a CTE is evaluated once, and
-- only when a branch asks for it: never without $12).
WITH fingerprinted AS (
  SELECT ARRAY(SELECT f.job_id FROM conveyor.job_runs f
    WHERE f.status IN ('failed', 'dead', 'stalled')
      AND conveyor.error_fingerprint(f.name, f.error->>'message') = $12::text) AS ids
)
SELECT * FROM (
  (SELECT j.id::text AS id, j.queue, j.name, j.state, j.payload, j.priority, j.run_at, j.attempt, j.max_attempts,
    j.timeout_ms, j.tenant_id, j.group_key, j.unique_key, j.metadata, j.progress, NULL::jsonb AS result, j.errors,
    j.created_at, j.started_at, j.finished_at
  FROM conveyor.jobs j
  WHERE j.state IN ('scheduled', 'dead', 'cancelled')
    AND ($2::text[] IS NULL OR $2::text[] && ARRAY['scheduled', 'dead', 'cancelled'])
    AND ($1::text IS NULL OR j.tenant_id = $1::text)
    AND ($2::text[] IS NULL OR j.state = ANY($2::text[]))
    AND ($3::text IS NULL OR j.queue = $3::text)
    AND ($4::text IS NULL OR j.name = $4::text)
    AND ($5::text IS NULL OR j.tenant_id = $5::text)
    AND ($6::timestamptz IS NULL OR j.created_at >= $6::timestamptz)
    AND ($7::timestamptz IS NULL OR j.created_at < $7::timestamptz)
    AND ($8::jsonb IS NULL OR j.payload @> $8::jsonb)
    AND ($9::text[] IS NULL OR j.id = ANY($9::bigint[]))
    AND ($10::text IS NULL OR j.id < $10::bigint)
    AND ($12::text IS NULL OR j.id = ANY ((SELECT ids FROM fingerprinted)::bigint[]))
  ORDER BY j.id DESC
  LIMIT $11::integer)
  UNION ALL
  (SELECT j.id::text AS id, j.queue, j.name, j.state, j.payload, j.priority, j.run_at, j.attempt, j.max_attempts,
    j.timeout_ms, j.tenant_id, j.group_key, j.unique_key, j.metadata, j.progress, NULL::jsonb AS result, j.errors,
    j.created_at, j.started_at, j.finished_at
  FROM conveyor.jobs j
  WHERE j.state = 'ready' AND ($2::text[] IS NULL OR 'ready' = ANY($2::text[]))
    AND ($1::text IS NULL OR j.tenant_id = $1::text)
    AND ($2::text[] IS NULL OR j.state = ANY($2::text[]))
    AND ($3::text IS NULL OR j.queue = $3::text)
    AND ($4::text IS NULL OR j.name = $4::text)
    AND ($5::text IS NULL OR j.tenant_id = $5::text)
    AND ($6::timestamptz IS NULL OR j.created_at >= $6::timestamptz)
    AND ($7::timestamptz IS NULL OR j.created_at < $7::timestamptz)
    AND ($8::jsonb IS NULL OR j.payload @> $8::jsonb)
    AND ($9::text[] IS NULL OR j.id = ANY($9::bigint[]))
    AND ($10::text IS NULL OR j.id < $10::bigint)
    AND ($12::text IS NULL OR j.id = ANY ((SELECT ids FROM fingerprinted)::bigint[]))
  ORDER BY j.id DESC
  LIMIT $11::integer)
  UNION ALL
  (SELECT j.id::text AS id, j.queue, j.name, j.state, j.payload, j.priority, j.run_at, j.attempt, j.max_attempts,
    j.timeout_ms, j.tenant_id, j.group_key, j.unique_key, j.metadata, j.progress, NULL::jsonb AS result, j.errors,
    j.created_at, j.started_at, j.finished_at
  FROM conveyor.jobs j
  WHERE j.state = 'active' AND ($2::text[] IS NULL OR 'active' = ANY($2::text[]))
    AND ($1::text IS NULL OR j.tenant_id = $1::text)
    AND ($2::text[] IS NULL OR j.state = ANY($2::text[]))
    AND ($3::text IS NULL OR j.queue = $3::text)
    AND ($4::text IS NULL OR j.name = $4::text)
    AND ($5::text IS NULL OR j.tenant_id = $5::text)
    AND ($6::timestamptz IS NULL OR j.created_at >= $6::timestamptz)
    AND ($7::timestamptz IS NULL OR j.created_at < $7::timestamptz)
    AND ($8::jsonb IS NULL OR j.payload @> $8::jsonb)
    AND ($9::text[] IS NULL OR j.id = ANY($9::bigint[]))
    AND ($10::text IS NULL OR j.id < $10::bigint)
    AND ($12::text IS NULL OR j.id = ANY ((SELECT ids FROM fingerprinted)::bigint[]))
  ORDER BY j.id DESC
  LIMIT $11::integer)
) found
ORDER BY found.id::bigint DESC
LIMIT $11::integer;
