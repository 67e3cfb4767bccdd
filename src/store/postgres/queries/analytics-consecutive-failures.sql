-- analyticsConsecutiveFailures: per job (queue, name) with runs since $1, the failed attempts
-- ('failed', 'dead', 'stalled') after its last completed attempt, newest error included. Every
-- attempt counts, so a job retried twice that fails each time counts 3. Cancelled runs are ignored.
-- $1 since (timestamptz), $2 name (text or NULL), $3 queue (text or NULL).
WITH recent AS (
  SELECT queue, name, status, finished_at, error, id FROM conveyor.job_runs
  WHERE finished_at >= $1::timestamptz AND status <> 'cancelled'
    AND ($2::text IS NULL OR name = $2::text)
    AND ($3::text IS NULL OR queue = $3::text)
),
last_ok AS (
  SELECT queue, name, max(finished_at) AS at FROM recent WHERE status = 'completed' GROUP BY queue, name
)
SELECT r.queue, r.name, count(*)::integer AS failures,
  (array_agg(r.error->>'message' ORDER BY r.finished_at DESC, r.id DESC))[1] AS last_error,
  max(r.finished_at) AS last_failed_at
FROM recent r LEFT JOIN last_ok o ON o.queue = r.queue AND o.name = r.name
WHERE r.status IN ('failed', 'dead', 'stalled') AND (o.at IS NULL OR r.finished_at > o.at)
GROUP BY r.queue, r.name
ORDER BY r.queue, r.name;
