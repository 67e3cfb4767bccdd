-- workerHeartbeat: one statement per worker process per beat (not per job, D5.7). Extends the
-- lease, hands back the worker's jobs that were cancelled (clearing their lease owner), and lists
-- the jobs the database believes the worker holds, so it can give back any it never received.
-- $1 id (text), $2 now (timestamptz), $3 lease (ms, integer).
WITH beat AS (
  UPDATE conveyor.workers
  SET last_seen_at = $2::timestamptz, expires_at = $2::timestamptz + make_interval(secs => $3::integer / 1000.0)
  WHERE id = $1::text
  RETURNING id
),
cancelled AS (
  UPDATE conveyor.jobs SET lease_owner = NULL
  WHERE lease_owner = $1::text AND state = 'cancelled'
  RETURNING id
)
SELECT (SELECT count(*) FROM beat)::integer AS alive,
       ARRAY(SELECT id::text FROM cancelled) AS cancelled_ids,
       ARRAY(SELECT id::text FROM conveyor.jobs WHERE lease_owner = $1::text AND state = 'active') AS held_ids;
