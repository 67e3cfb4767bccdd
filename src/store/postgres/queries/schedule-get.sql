-- scheduleGet: one schedule by name.
-- $1 name (text).
SELECT name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap, run_on_start, paused, source,
  next_fire_at, last_fire_at, last_job_id::text AS last_job_id, pending_fire_at, created_at, updated_at
FROM conveyor.schedules WHERE name = $1::text;
