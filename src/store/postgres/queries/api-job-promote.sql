-- apiJobPromote: scheduled jobs (delayed, or waiting out a retry backoff; by id, within a scope)
-- ready now. $1 scope tenant (text, NULL: every tenant), $2 ids (text[]), $3 now (timestamptz),
-- $4 wake-up channel (text). Returns the ids promoted.
WITH promoted AS (
  UPDATE conveyor.jobs
  SET state = 'ready', run_at = $3::timestamptz,
      sort_key = (extract(epoch FROM $3::timestamptz) * 1000)::bigint
        + priority::bigint * COALESCE((SELECT aging_ms FROM conveyor.queues WHERE name = queue), 60000)
  WHERE id = ANY($2::bigint[]) AND state = 'scheduled' AND ($1::text IS NULL OR tenant_id = $1::text)
  RETURNING id, queue
),
woken AS (
  SELECT pg_notify($4::text, q.queue) FROM (SELECT DISTINCT queue FROM promoted) q
)
SELECT id::text AS id, (SELECT count(*) FROM woken)::integer AS woken FROM promoted;
