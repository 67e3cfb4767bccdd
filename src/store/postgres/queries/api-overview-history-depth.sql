-- apiOverviewHistoryDepth: the waiting depth's moves of the history's attempts: +1 (kind 'due') in
-- the first bucket whose END is at or after the attempt became due, −1 (kind 'start') in the first
-- whose end is at or after it started; summed per bucket by the caller, an attempt counts in the
-- depth at the end of every bucket it waited across. Only attempts that started, and whose wait
-- crossed a bucket end (the others' +1 and −1 fall in one bucket and cancel), so most rows are
-- counted in no group. Attempts finished after `until` still count in the buckets they waited in.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any). ($3 is unused: the moves of the
-- buckets past `until` are dropped by the caller.)
SELECT CASE WHEN GROUPING(kd) = 0 THEN 'due' ELSE 'start' END AS kind, COALESCE(kd, ks) AS k, count(*)::integer AS n
FROM (
  SELECT
    GREATEST(0, ceil((date_part('epoch', COALESCE(due_at, enqueued_at)) - date_part('epoch', $2::timestamptz)) * 1000
      / $4::bigint)::integer - 1) AS kd,
    GREATEST(0, ceil((date_part('epoch', started_at) - date_part('epoch', $2::timestamptz)) * 1000
      / $4::bigint)::integer - 1) AS ks
  FROM conveyor.job_runs
  WHERE finished_at >= $2::timestamptz AND started_at IS NOT NULL AND $3::timestamptz IS NOT NULL
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
) r
WHERE ks > kd
GROUP BY GROUPING SETS ((kd), (ks));
