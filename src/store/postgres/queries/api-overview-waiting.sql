-- apiOverviewWaiting: the waiting depth's moves of the jobs not finished yet, within a scope:
-- kind 'due' (+1 in the first bucket whose end is at or after run_at) for ready jobs, scheduled
-- jobs already due by `until`, and active ones; kind 'start' (−1 at started_at) for active ones.
-- Scheduled jobs are read through jobs_scheduled_idx (run_at), ready ones through jobs_ready_idx,
-- active ones through jobs_active_idx: never the dead and cancelled rest of the table. The
-- history's attempts are in api-overview-runs.sql.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any).
WITH waiting AS (
  SELECT state, run_at, started_at FROM conveyor.jobs
  WHERE state = 'scheduled' AND run_at < $3::timestamptz
    AND ($1::text IS NULL OR tenant_id = $1::text) AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
  UNION ALL
  SELECT state, run_at, started_at FROM conveyor.jobs
  WHERE state = 'ready' AND run_at < $3::timestamptz
    AND ($1::text IS NULL OR tenant_id = $1::text) AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
  UNION ALL
  SELECT state, run_at, started_at FROM conveyor.jobs
  WHERE state = 'active' AND run_at < $3::timestamptz
    AND ($1::text IS NULL OR tenant_id = $1::text) AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
)
SELECT 'due' AS kind, GREATEST(0, ceil((date_part('epoch', run_at) - date_part('epoch', $2::timestamptz)) * 1000
    / $4::bigint)::integer - 1) AS k, count(*)::integer AS n
FROM waiting GROUP BY 2
UNION ALL
SELECT 'start', GREATEST(0, ceil((date_part('epoch', started_at) - date_part('epoch', $2::timestamptz)) * 1000
    / $4::bigint)::integer - 1), count(*)::integer
FROM waiting WHERE state = 'active' AND started_at IS NOT NULL GROUP BY 2;
