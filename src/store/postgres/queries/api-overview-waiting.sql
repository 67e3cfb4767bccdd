-- apiOverviewWaiting: the waiting depth's moves of the jobs not finished yet, within a scope:
-- kind 'due' (+1 in the first bucket whose end is at or after run_at) for ready jobs, scheduled
-- jobs already due by `until`, and active ones; kind 'start' (−1 at started_at) for active ones.
-- Scheduled jobs are read through jobs_scheduled_idx (run_at), ready ones through jobs_ready_idx,
-- active ones through jobs_active_idx: never the dead and cancelled rest of the table. The
-- history's attempts are in api-overview-runs.sql.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any).
-- Bucket numbers as api-overview-history-depth.sql: the number of bucket ends before t (width_bucket
-- over the window's bucket ends at t − 1 µs), so both halves of the depth agree at every end.
WITH ends AS (
  SELECT array_agg(e ORDER BY e) AS at
  FROM generate_series($2::timestamptz + $4::bigint * interval '1 millisecond',
    $3::timestamptz + $4::bigint * interval '1 millisecond', $4::bigint * interval '1 millisecond') e
), waiting AS (
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
SELECT 'due' AS kind, width_bucket(run_at - interval '1 microsecond', (SELECT at FROM ends)) AS k, count(*)::integer AS n
FROM waiting GROUP BY 2
UNION ALL
SELECT 'start', width_bucket(started_at - interval '1 microsecond', (SELECT at FROM ends)), count(*)::integer
FROM waiting WHERE state = 'active' AND started_at IS NOT NULL GROUP BY 2;
