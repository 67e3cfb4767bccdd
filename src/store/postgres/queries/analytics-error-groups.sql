-- analyticsErrorGroups: failed attempts grouped by normalized error message (conveyor.error_pattern,
-- migration 0012: quoted values become <str>, UUIDs <uuid>, numbers <n>; so "user 42 not found" and
-- "user 7 not found" are one group). Newest sample message kept per group.
-- $1 since (timestamptz), $2 until (timestamptz), $3 queue (text or NULL), $4 name (text or NULL),
-- $5 tenant id (text or NULL), $6 limit (integer).
WITH failures AS (
  SELECT name, finished_at, COALESCE(error->>'name', 'Error') AS error_name,
    COALESCE(error->>'message', '') AS message
  FROM conveyor.job_runs
  WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
    AND status IN ('failed', 'dead', 'stalled')
    AND ($3::text IS NULL OR queue = $3::text)
    AND ($4::text IS NULL OR name = $4::text)
    AND ($5::text IS NULL OR tenant_id = $5::text)
),
normalized AS (
  SELECT name, finished_at, error_name, message, conveyor.error_pattern(message) AS pattern
  FROM failures
)
SELECT error_name, pattern,
  count(*)::integer AS count,
  array_agg(DISTINCT name ORDER BY name) AS names,
  min(finished_at) AS first_seen_at,
  max(finished_at) AS last_seen_at,
  (array_agg(message ORDER BY finished_at DESC))[1] AS sample_message
FROM normalized
GROUP BY error_name, pattern
ORDER BY count DESC, last_seen_at DESC
LIMIT $6::integer;
