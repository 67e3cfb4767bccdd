-- apiOverviewRuns: the run-history half of the dashboard overview, in ONE scan of the attempts
-- finished in the window (job_runs_finished_idx, BRIN), grouped three ways at once (GROUPING SETS):
--   kind 'finish' (k = bucket of finished_at): attempts completed and failed, mean wait;
--   kind 'queue' / 'tenant': the same per queue and per tenant.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any), $7 rollup cutoff (timestamptz, a
-- whole minute at or before the rollup's watermark and `until`; NULL: no rollup): the finish
-- minutes in [since, cutoff) are read from run_minutes (summed per bucket like the history rows:
-- a bucket of whole minutes holds whole minutes), only [cutoff, until) from job_runs. The caller
-- drops the groups of a NULL bucket, queue or tenant.
-- Wait = started_at − due_at (the attempt's run_at at claim; enqueued_at when unknown): the stored
-- job_runs.wait_ms. "Failed" counts failed attempts, retried or not (failed, dead, stalled).
-- Bucket number k = the number of bucket ends at or before finished_at: width_bucket over the
-- window's bucket ends, built once (no per-row epoch arithmetic: date_part goes through numeric
-- and cost ~17 ms per 140,000 rows, width_bucket ~4 ms). The rows are first summed per (bucket,
-- queue, tenant), then the grouping sets run over those sums: three hash aggregates over 140,000
-- rows cost ~30 % more than one and three over its ~35,000 groups (bench:api, 24h window). The depth's moves are a statement of
-- their own (api-overview-history-depth.sql): in one statement with five grouping sets every row
-- ran every aggregate five times (263 ms; 139 + 75 ms apart, and the two run at once).
WITH ends AS (
  SELECT array_agg(e ORDER BY e) AS at
  FROM generate_series($2::timestamptz + $4::bigint * interval '1 millisecond',
    $3::timestamptz + $4::bigint * interval '1 millisecond', $4::bigint * interval '1 millisecond') e
), sums AS (
  SELECT width_bucket(finished_at, (SELECT at FROM ends)) AS kf, queue, tenant_id,
    count(*) FILTER (WHERE status = 'completed') AS completed,
    count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled')) AS failed,
    sum(wait_ms) AS wait_sum,
    count(wait_ms) AS waited
  FROM conveyor.job_runs
  WHERE finished_at >= GREATEST($2::timestamptz, $7::timestamptz) AND finished_at < $3::timestamptz
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
  GROUP BY 1, queue, tenant_id
  UNION ALL
  -- The rollup per bucket and queue: its rows over every tenant when no tenant is named (tenant_id
  -- NULL: their 'tenant' group is dropped by the caller), else the tenant's own rows.
  SELECT width_bucket(minute, (SELECT at FROM ends)), queue, tenant_id,
    sum(completed), sum(failed), sum(wait_sum), sum(waited)
  FROM conveyor.run_minutes
  WHERE minute >= $2::timestamptz AND minute < $7::timestamptz
    AND total = ($1::text IS NULL AND $6::text IS NULL)
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
  GROUP BY 1, queue, tenant_id
  UNION ALL
  -- With no tenant named, the per-tenant sums for the tenants' table only: no bucket and no queue
  -- (those groups are NULL, dropped by the caller).
  SELECT NULL, NULL, tenant_id, sum(completed), sum(failed), sum(wait_sum), sum(waited)
  FROM conveyor.run_minutes
  WHERE minute >= $2::timestamptz AND minute < $7::timestamptz AND NOT total
    AND $1::text IS NULL AND $6::text IS NULL
    AND ($5::text IS NULL OR queue = $5::text)
  GROUP BY tenant_id
)
SELECT CASE WHEN GROUPING(kf) = 0 THEN 'finish' WHEN GROUPING(queue) = 0 THEN 'queue' ELSE 'tenant' END AS kind,
  kf AS k, queue, tenant_id,
  sum(completed)::integer AS completed,
  sum(failed)::integer AS failed,
  (sum(wait_sum) / NULLIF(sum(waited), 0))::float8 AS wait_mean_ms,
  sum(waited)::integer AS waited
FROM sums
GROUP BY GROUPING SETS ((kf), (queue), (tenant_id));
