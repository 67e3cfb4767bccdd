-- scheduleSetPaused: pauses or resumes a schedule; a resume starts from the next fire after now.
-- $1 name (text). $2 paused (boolean). $3 next fire (timestamptz, or NULL to keep). $4 now.
UPDATE conveyor.schedules SET paused = $2::boolean,
  next_fire_at = COALESCE($3::timestamptz, next_fire_at),
  pending_fire_at = CASE WHEN $2::boolean THEN pending_fire_at ELSE NULL END,
  updated_at = $4::timestamptz
WHERE name = $1::text
RETURNING name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap, run_on_start, paused, source,
  next_fire_at, last_fire_at, last_job_id::text AS last_job_id, pending_fire_at, created_at, updated_at;
