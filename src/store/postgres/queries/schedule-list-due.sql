-- scheduleListDue: unpaused schedules with a fire due by now, or a fire held for overlap 'queue',
-- each with whether the job it enqueued last is still unfinished (scheduled, ready or active).
-- $1 now (timestamptz). $2 limit (integer).
SELECT s.name, s.job_name, queue, cron, timezone, payload, tenant_id, missed, overlap, run_on_start, paused, source,
  next_fire_at, last_fire_at, last_job_id::text AS last_job_id, pending_fire_at, created_at, updated_at,
  EXISTS (SELECT 1 FROM conveyor.jobs j WHERE j.id = s.last_job_id
          AND j.state IN ('scheduled', 'ready', 'active')) AS last_run_unfinished
FROM conveyor.schedules s
WHERE NOT paused AND (next_fire_at <= $1::timestamptz OR pending_fire_at IS NOT NULL)
ORDER BY next_fire_at
LIMIT $2::integer;
