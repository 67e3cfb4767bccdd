-- analyticsThroughput: attempts finished per time bucket (date_bin on the epoch), every bucket of
-- the window present (zero when idle), by outcome.
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL), $6 bucket width in seconds (integer).
WITH buckets AS (
  SELECT generate_series(
    date_bin(make_interval(secs => $6::integer), $1::timestamptz, 'epoch'::timestamptz),
    $2::timestamptz - interval '1 microsecond',
    make_interval(secs => $6::integer)) AS bucket
),
counted AS (
  SELECT date_bin(make_interval(secs => $6::integer), finished_at, 'epoch'::timestamptz) AS bucket,
    count(*) FILTER (WHERE status = 'completed')::integer AS completed,
    count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled'))::integer AS failed,
    count(*) FILTER (WHERE status = 'cancelled')::integer AS cancelled
  FROM conveyor.job_runs
  WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
    AND ($3::text IS NULL OR queue = $3::text)
    AND ($4::text IS NULL OR name = $4::text)
    AND ($5::text IS NULL OR tenant_id = $5::text)
  GROUP BY 1
)
SELECT b.bucket, COALESCE(c.completed, 0) AS completed, COALESCE(c.failed, 0) AS failed,
  COALESCE(c.cancelled, 0) AS cancelled
FROM buckets b LEFT JOIN counted c ON c.bucket = b.bucket
ORDER BY b.bucket;
