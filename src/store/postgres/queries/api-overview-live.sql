-- apiOverviewLive: the live half of the dashboard overview, within a scope.
--   kind 'count': jobs now in the live table per queue and state, and per tenant and state
--     (GROUPING SETS: one scan), plus 'completed' per queue and per tenant: the completed attempts
--     still retained in the history (as GET /queues counts them);
--   kind 'due' / 'start': the waiting depth's +1 / −1 of the jobs not yet started (ready, or
--     scheduled and due: +1 in the first bucket whose end is at or after run_at) and of the active
--     ones (+1 at run_at, −1 at started_at); the history's attempts are in api-overview-runs.sql.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any).
WITH live AS (
  SELECT queue, tenant_id, state, run_at, started_at FROM conveyor.jobs
  WHERE ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
)
SELECT 'count' AS kind, NULL::integer AS k, queue, tenant_id, state, count(*)::integer AS n
FROM live
GROUP BY GROUPING SETS ((queue, state), (tenant_id, state))
UNION ALL
SELECT 'count', NULL, queue, tenant_id, 'completed', count(*)::integer
FROM conveyor.job_runs
WHERE status = 'completed'
  AND ($1::text IS NULL OR tenant_id = $1::text)
  AND ($5::text IS NULL OR queue = $5::text)
  AND ($6::text IS NULL OR tenant_id = $6::text)
GROUP BY GROUPING SETS ((queue), (tenant_id))
UNION ALL
SELECT 'due', GREATEST(0, ceil(extract(epoch FROM (run_at - $2::timestamptz)) * 1000 / $4::bigint)::integer - 1),
  NULL, NULL, NULL, count(*)::integer
FROM live
WHERE state IN ('ready', 'scheduled', 'active') AND run_at < $3::timestamptz
GROUP BY 2
UNION ALL
SELECT 'start', GREATEST(0, ceil(extract(epoch FROM (started_at - $2::timestamptz)) * 1000 / $4::bigint)::integer - 1),
  NULL, NULL, NULL, count(*)::integer
FROM live
WHERE state = 'active' AND run_at < $3::timestamptz AND started_at IS NOT NULL
GROUP BY 2;
