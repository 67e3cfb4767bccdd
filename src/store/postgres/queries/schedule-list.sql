-- scheduleList: schedules by name, optionally of one tenant and/or with a name prefix.
-- $1 tenant id (text or NULL). $2 name prefix (text or NULL). $3 limit (integer).
SELECT name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap, run_on_start, paused, source,
  next_fire_at, last_fire_at, last_job_id::text AS last_job_id, pending_fire_at, created_at, updated_at
FROM conveyor.schedules
WHERE ($1::text IS NULL OR tenant_id = $1::text)
  AND ($2::text IS NULL OR left(name, length($2::text)) = $2::text)
ORDER BY name
LIMIT $3::integer;
