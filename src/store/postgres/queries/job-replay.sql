-- jobReplay: sends dead or cancelled jobs matching a filter back to ready with fresh attempts; the
-- errors of earlier attempts stay on the job.
-- $1 queue, $2 name, $3 tenant id, $4 ids (text[]) — each NULL for any; $5 now (timestamptz),
-- $6 wake-up channel (text), $7 states (text[]: which final states to replay).
WITH replayed AS (
  UPDATE conveyor.jobs
  SET state = 'ready', attempt = 0, run_at = $5::timestamptz, lease_owner = NULL, finished_at = NULL,
      sort_key = (extract(epoch FROM $5::timestamptz) * 1000)::bigint
        + priority::bigint * COALESCE((SELECT aging_ms FROM conveyor.queues WHERE name = queue), 60000),
      started_at = NULL, progress = NULL
  WHERE state = ANY($7::text[])
    AND ($1::text IS NULL OR queue = $1::text)
    AND ($2::text IS NULL OR name = $2::text)
    AND ($3::text IS NULL OR tenant_id = $3::text)
    AND ($4::text[] IS NULL OR id = ANY($4::bigint[]))
  RETURNING id, queue
),
woken AS (
  SELECT pg_notify($6::text, q.queue) FROM (SELECT DISTINCT queue FROM replayed) q
)
SELECT id::text AS id, (SELECT count(*) FROM woken)::integer AS woken FROM replayed;
