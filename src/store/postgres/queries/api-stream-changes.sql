-- apiStreamChanges: what changed since the stream's last tick, read by primary key ranges only
-- (no scan of the live table, no column written on the hot path for it):
--   kind 'run': attempts ended (completed, failed and retried, dead, stalled, cancelled) — history
--     rows with id > $2, the job's state now (completed when it left the live table);
--   kind 'job': jobs enqueued — live rows with id > $3, their state now;
--   kind 'active': the jobs running now (jobs_active_idx), so the caller sees claims by difference.
-- Each range reads at most 1,000 rows past its cursor (the next tick reads on), and returns its
-- cursor (the highest id read, in or out of scope) on every row as run_cursor / job_cursor.
-- $1 scope tenant (text, NULL: every tenant), $2 run cursor, $3 job cursor (bigint), $4 most
-- active jobs to list (integer).
WITH runs AS (
  SELECT r.id, r.job_id, r.queue, r.name, r.tenant_id, r.status FROM conveyor.job_runs r
  WHERE r.id > $2::bigint ORDER BY r.id LIMIT 1000
),
jobs AS (
  SELECT j.id, j.queue, j.name, j.tenant_id, j.state FROM conveyor.jobs j
  WHERE j.id > $3::bigint ORDER BY j.id LIMIT 1000
),
cursors AS (
  SELECT COALESCE((SELECT max(id) FROM runs), $2::bigint) AS run_cursor,
    COALESCE((SELECT max(id) FROM jobs), $3::bigint) AS job_cursor
)
SELECT 'run' AS kind, r.job_id::text AS id, r.queue, r.name,
  COALESCE(j.state, CASE WHEN r.status = 'completed' THEN 'completed' END) AS state, c.run_cursor, c.job_cursor
FROM runs r CROSS JOIN cursors c LEFT JOIN conveyor.jobs j ON j.id = r.job_id
WHERE ($1::text IS NULL OR r.tenant_id = $1::text)
UNION ALL
SELECT 'job', j.id::text, j.queue, j.name, j.state, c.run_cursor, c.job_cursor
FROM jobs j CROSS JOIN cursors c
WHERE ($1::text IS NULL OR j.tenant_id = $1::text)
UNION ALL
SELECT 'active', a.id::text, a.queue, a.name, 'active', c.run_cursor, c.job_cursor
FROM (SELECT id, queue, name FROM conveyor.jobs
      WHERE state = 'active' AND ($1::text IS NULL OR tenant_id = $1::text) ORDER BY id LIMIT $4::integer) a
CROSS JOIN cursors c
UNION ALL
SELECT 'cursor', NULL, NULL, NULL, NULL, c.run_cursor, c.job_cursor FROM cursors c;
