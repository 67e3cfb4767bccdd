-- jobPromoteDue: moves up to $2 due scheduled jobs to ready in one statement and wakes their
-- queues; reads only jobs_scheduled_idx, so a million future jobs cost one index probe.
-- $1 now (timestamptz), $2 limit (integer), $3 wake-up channel (text).
-- Returns how many were promoted and when the next scheduled job is due (NULL if none).
WITH due AS (
  SELECT id FROM conveyor.jobs
  WHERE state = 'scheduled' AND run_at <= $1::timestamptz
  ORDER BY run_at
  LIMIT $2::integer
  FOR UPDATE SKIP LOCKED
),
-- By primary key: joined to `due` instead, a generic plan on a table with statistics may hash a
-- sequential scan of every job (a million scheduled ones, say) to find a handful.
promoted AS (
  UPDATE conveyor.jobs j SET state = 'ready' WHERE j.id = ANY (ARRAY(SELECT id FROM due)) RETURNING j.queue
),
woken AS (
  SELECT pg_notify($3::text, q.queue) FROM (SELECT DISTINCT queue FROM promoted) q
)
SELECT (SELECT count(*) FROM promoted)::integer AS promoted,
       (SELECT count(*) FROM woken)::integer AS woken,
       (SELECT min(run_at) FROM conveyor.jobs WHERE state = 'scheduled' AND run_at > $1::timestamptz) AS next_run_at;
