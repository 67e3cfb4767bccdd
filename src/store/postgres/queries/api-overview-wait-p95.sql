-- apiOverviewWaitP95: the 95th percentile of the wait (job_runs.wait_ms: started_at − due_at) of
-- the attempts finished in each bucket of the window, and over the whole window (k NULL). Apart from
-- api-overview-runs.sql because an ordered-set aggregate makes every grouping set of a statement
-- sort its rows; here one sort of (bucket, wait) pairs serves both.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any).
SELECT floor((date_part('epoch', finished_at) - date_part('epoch', $2::timestamptz)) * 1000 / $4::bigint)::integer AS k,
  (percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_ms))::float8 AS wait_p95_ms
FROM conveyor.job_runs
WHERE finished_at >= $2::timestamptz AND finished_at < $3::timestamptz AND wait_ms IS NOT NULL
  AND ($1::text IS NULL OR tenant_id = $1::text)
  AND ($5::text IS NULL OR queue = $5::text)
  AND ($6::text IS NULL OR tenant_id = $6::text)
GROUP BY ROLLUP (1);
