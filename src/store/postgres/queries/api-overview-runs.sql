-- apiOverviewRuns: the run-history half of the dashboard overview, in ONE scan of the attempts
-- finished since $2 (job_runs_finished_idx, BRIN), grouped five ways at once (GROUPING SETS):
--   kind 'finish' (k = bucket of finished_at): attempts completed and failed, mean wait;
--   kind 'due' / 'start' (k = first bucket whose END is at or after the attempt became due /
--     started): +1 / −1 of the waiting depth, summed per bucket by the caller (a job waited from
--     due to start, so it counts in the depth at the end of every bucket in between);
--   kind 'queue' / 'tenant': attempts completed and failed and mean wait per queue and tenant.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any).
-- Wait = started_at − due_at (the attempt's run_at at claim; enqueued_at when unknown): the stored
-- job_runs.wait_ms. "Failed" counts failed attempts, retried or not (failed, dead, stalled).
-- Attempts finished after `until` still count in the depth of the buckets they waited in.
-- Bucket numbers are computed in float8 epoch ms (date_part): extract() returns numeric, whose
-- arithmetic made this statement 3× slower over 140,000 rows (bench/src/api/main.ts).
WITH r AS (
  SELECT status, queue, tenant_id, wait_ms, started_at IS NOT NULL AS started,
    finished_at < $3::timestamptz AS in_window,
    floor((date_part('epoch', finished_at) - date_part('epoch', $2::timestamptz)) * 1000 / $4::bigint)::integer AS kf,
    GREATEST(0, ceil((date_part('epoch', COALESCE(due_at, enqueued_at)) - date_part('epoch', $2::timestamptz)) * 1000
      / $4::bigint)::integer - 1) AS kd,
    GREATEST(0, ceil((date_part('epoch', started_at) - date_part('epoch', $2::timestamptz)) * 1000
      / $4::bigint)::integer - 1) AS ks
  FROM conveyor.job_runs
  WHERE finished_at >= $2::timestamptz
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
)
SELECT
  CASE WHEN GROUPING(kf) = 0 THEN 'finish' WHEN GROUPING(kd) = 0 THEN 'due' WHEN GROUPING(ks) = 0 THEN 'start'
    WHEN GROUPING(queue) = 0 THEN 'queue' ELSE 'tenant' END AS kind,
  COALESCE(kf, kd, ks) AS k, queue, tenant_id,
  (count(*) FILTER (WHERE in_window AND status = 'completed'))::integer AS completed,
  (count(*) FILTER (WHERE in_window AND status IN ('failed', 'dead', 'stalled')))::integer AS failed,
  (avg(wait_ms) FILTER (WHERE in_window))::float8 AS wait_mean_ms,
  (count(wait_ms) FILTER (WHERE in_window))::integer AS waited,
  (count(*) FILTER (WHERE started))::integer AS started
FROM r
GROUP BY GROUPING SETS ((kf), (kd), (ks), (queue), (tenant_id));
