-- apiOverviewCounts: the counts snapshot (job_counts, refreshed by the rollup service) per queue,
-- tenant and state within a scope: what api-overview-live.sql counts, as of
-- overview_rollup_state.counts_as_of. Read instead of it when the live table is large.
-- $1 scope tenant (text, NULL: every tenant), $2 queue, $3 tenant id (text, each NULL for any).
SELECT queue, tenant_id, state, n
FROM conveyor.job_counts
WHERE ($1::text IS NULL OR tenant_id = $1::text)
  AND ($2::text IS NULL OR queue = $2::text)
  AND ($3::text IS NULL OR tenant_id = $3::text);
