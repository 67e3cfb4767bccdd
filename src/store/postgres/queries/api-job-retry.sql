-- apiJobRetry: dead or cancelled jobs (by id, within a scope) back to ready with fresh attempts;
-- the errors of earlier attempts stay on the job. Jobs in other states, or of another tenant, are
-- left alone. $1 scope tenant (text, NULL: every tenant), $2 ids (text[]), $3 now (timestamptz),
-- $4 wake-up channel (text). Returns the ids retried.
WITH retried AS (
  UPDATE conveyor.jobs
  SET state = 'ready', attempt = 0, run_at = $3::timestamptz, lease_owner = NULL, finished_at = NULL,
      sort_key = (extract(epoch FROM $3::timestamptz) * 1000)::bigint
        + priority::bigint * COALESCE((SELECT aging_ms FROM conveyor.queues WHERE name = queue), 60000),
      started_at = NULL, progress = NULL, lease_seq = NULL
  WHERE id = ANY($2::bigint[]) AND state IN ('dead', 'cancelled')
    AND ($1::text IS NULL OR tenant_id = $1::text)
  RETURNING id, queue
),
woken AS (
  SELECT pg_notify($4::text, q.queue) FROM (SELECT DISTINCT queue FROM retried) q
)
SELECT id::text AS id, (SELECT count(*) FROM woken)::integer AS woken FROM retried;
