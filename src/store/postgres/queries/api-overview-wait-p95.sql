-- apiOverviewWaitP95: the 95th percentile of the wait (job_runs.wait_ms: started_at − due_at) of
-- the attempts finished in each bucket of the window. Apart from api-overview-runs.sql because an
-- ordered-set aggregate makes every grouping set of a statement sort its rows; here one sort of
-- (bucket, wait) pairs serves every bucket. (A p95 over the whole window was computed too, by
-- ROLLUP, and never read: its second sort of the window's waits is gone.)
-- Bucket number k = the number of bucket ends at or before finished_at (width_bucket over the
-- window's bucket ends, built once; as api-overview-runs.sql).
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any).
WITH ends AS (
  SELECT array_agg(e ORDER BY e) AS at
  FROM generate_series($2::timestamptz + $4::bigint * interval '1 millisecond',
    $3::timestamptz + $4::bigint * interval '1 millisecond', $4::bigint * interval '1 millisecond') e
)
SELECT width_bucket(finished_at, (SELECT at FROM ends)) AS k,
  (percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_ms))::float8 AS wait_p95_ms
FROM conveyor.job_runs
WHERE finished_at >= $2::timestamptz AND finished_at < $3::timestamptz AND wait_ms IS NOT NULL
  AND ($1::text IS NULL OR tenant_id = $1::text)
  AND ($5::text IS NULL OR queue = $5::text)
  AND ($6::text IS NULL OR tenant_id = $6::text)
GROUP BY 1;
