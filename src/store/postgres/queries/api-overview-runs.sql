-- apiOverviewRuns: the run-history half of the dashboard overview, in ONE scan of the attempts
-- finished in the window (job_runs_finished_idx, BRIN), grouped three ways at once (GROUPING SETS):
--   kind 'finish' (k = bucket of finished_at): attempts completed and failed, mean wait;
--   kind 'queue' / 'tenant': the same per queue and per tenant.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any).
-- Wait = started_at − due_at (the attempt's run_at at claim; enqueued_at when unknown): the stored
-- job_runs.wait_ms. "Failed" counts failed attempts, retried or not (failed, dead, stalled).
-- Bucket numbers are computed in float8 epoch ms (date_part): extract() returns numeric, whose
-- arithmetic made the overview 3× slower over 140,000 rows. The depth's moves are a statement of
-- their own (api-overview-history-depth.sql): in one statement with five grouping sets every row
-- ran every aggregate five times (263 ms; 139 + 75 ms apart, and the two run at once).
SELECT CASE WHEN GROUPING(kf) = 0 THEN 'finish' WHEN GROUPING(queue) = 0 THEN 'queue' ELSE 'tenant' END AS kind,
  kf AS k, queue, tenant_id,
  (count(*) FILTER (WHERE status = 'completed'))::integer AS completed,
  (count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled')))::integer AS failed,
  avg(wait_ms)::float8 AS wait_mean_ms,
  count(wait_ms)::integer AS waited
FROM (
  SELECT status, queue, tenant_id, wait_ms,
    floor((date_part('epoch', finished_at) - date_part('epoch', $2::timestamptz)) * 1000 / $4::bigint)::integer AS kf
  FROM conveyor.job_runs
  WHERE finished_at >= $2::timestamptz AND finished_at < $3::timestamptz
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
) r
GROUP BY GROUPING SETS ((kf), (queue), (tenant_id));
