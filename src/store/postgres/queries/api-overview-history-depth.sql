-- apiOverviewHistoryDepth: the waiting depth's moves of the history's attempts: +1 (kind 'due') in
-- the first bucket whose END is at or after the attempt became due, −1 (kind 'start') in the first
-- whose end is at or after it started; summed per bucket by the caller, an attempt counts in the
-- depth at the end of every bucket it waited across. Only attempts that started, and whose wait
-- crossed a bucket end (the others' +1 and −1 fall in one bucket and cancel), so most rows are
-- counted in no group. Attempts finished after `until` still count in the buckets they waited in.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any), $7 rollup cutoff (timestamptz, a whole
-- minute; NULL: no rollup): attempts finished in the minutes [since, cutoff) are read from
-- run_minute_waits (their first minute ends at or after due and start: with buckets of whole
-- minutes, the same bucket numbers), the later ones from job_runs. ($3 bounds only the bucket
-- ends: the moves of the buckets past `until` are dropped by the caller.)
-- "The first bucket whose end is at or after t" = the number of bucket ends before t: width_bucket
-- over the window's bucket ends (built once) at t − 1 µs (timestamps are whole microseconds), with
-- no per-row epoch arithmetic (date_part goes through numeric: ~17 ms per 140,000 rows per column).
-- The ends run one bucket past `until`, so a time past the last bucket gets a number ≥ the bucket
-- count, dropped by the caller, and a time before `since` gets 0.
WITH ends AS (
  SELECT array_agg(e ORDER BY e) AS at
  FROM generate_series($2::timestamptz + $4::bigint * interval '1 millisecond',
    $3::timestamptz + $4::bigint * interval '1 millisecond', $4::bigint * interval '1 millisecond') e
)
SELECT CASE WHEN GROUPING(kd) = 0 THEN 'due' ELSE 'start' END AS kind, COALESCE(kd, ks) AS k, sum(n)::integer AS n
FROM (
  SELECT
    width_bucket(COALESCE(due_at, enqueued_at) - interval '1 microsecond', (SELECT at FROM ends)) AS kd,
    width_bucket(started_at - interval '1 microsecond', (SELECT at FROM ends)) AS ks, 1 AS n
  FROM conveyor.job_runs
  WHERE finished_at >= GREATEST($2::timestamptz, $7::timestamptz) AND started_at IS NOT NULL
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
  UNION ALL
  SELECT width_bucket(due_end - interval '1 microsecond', (SELECT at FROM ends)),
    width_bucket(start_end - interval '1 microsecond', (SELECT at FROM ends)), n
  FROM conveyor.run_minute_waits
  WHERE minute >= $2::timestamptz AND minute < $7::timestamptz
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
) r
WHERE ks > kd
GROUP BY GROUPING SETS ((kd), (ks));
