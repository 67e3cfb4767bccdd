-- apiFailureGroups: failed attempts (failed and retried, dead, stalled) finished in a window, within
-- a scope, grouped by fingerprint: job name + normalised message (conveyor.error_fingerprint,
-- migration 0012 — the normalisation of the analytics error groups). Biggest groups first.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 queue,
-- $5 job name, $6 tenant id (text, each NULL for any), $7 limit (integer).
-- Per group: attempts, distinct jobs, distinct tenants, jobs whose failure made them dead, first and
-- last seen, the queue and a job id of the latest failure, and the newest message's pattern.
WITH failures AS (
  SELECT r.job_id, r.queue, r.name, r.tenant_id, r.status, r.finished_at,
    conveyor.error_fingerprint(r.name, r.error->>'message') AS fingerprint,
    conveyor.error_pattern(r.error->>'message') AS pattern
  FROM conveyor.job_runs r
  WHERE r.finished_at >= $2::timestamptz AND r.finished_at < $3::timestamptz
    AND r.status IN ('failed', 'dead', 'stalled')
    AND ($1::text IS NULL OR r.tenant_id = $1::text)
    AND ($4::text IS NULL OR r.queue = $4::text)
    AND ($5::text IS NULL OR r.name = $5::text)
    AND ($6::text IS NULL OR r.tenant_id = $6::text)
)
SELECT fingerprint, name,
  (array_agg(pattern ORDER BY finished_at DESC))[1] AS message,
  (array_agg(queue ORDER BY finished_at DESC))[1] AS queue,
  count(*)::integer AS attempts,
  count(DISTINCT job_id)::integer AS jobs,
  count(DISTINCT tenant_id)::integer AS tenants,
  (count(DISTINCT job_id) FILTER (WHERE status = 'dead'))::integer AS dead,
  min(finished_at) AS first_seen,
  max(finished_at) AS last_seen,
  (array_agg(job_id::text ORDER BY finished_at DESC))[1] AS sample_job_id
FROM failures
GROUP BY fingerprint, name
ORDER BY attempts DESC, last_seen DESC
LIMIT $7::integer;
