-- jobReturnMany: gives back active jobs a worker claimed but will not finish (shutdown), without
-- counting the attempt, and wakes their queues.
-- $1 ids (text[]), $2 worker id (text), $3 wake-up channel (text).
WITH returned AS (
  UPDATE conveyor.jobs
  SET state = 'ready', attempt = attempt - 1, lease_owner = NULL, started_at = NULL
  -- By primary key, not jobs_active_idx (see job-complete-many.sql).
  WHERE id = ANY($1::bigint[]) AND (state = 'active') IS TRUE AND lease_owner = $2::text
  RETURNING id, queue
),
woken AS (
  SELECT pg_notify($3::text, q.queue) FROM (SELECT DISTINCT queue FROM returned) q
)
SELECT id::text AS id, (SELECT count(*) FROM woken)::integer AS woken FROM returned;
