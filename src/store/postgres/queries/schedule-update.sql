-- scheduleUpdate: rewrites a schedule's definition (runtime edit); returns nothing if it is gone.
-- $1 schedule (jsonb, as in schedule-insert; source is kept). $2 now (timestamptz).
UPDATE conveyor.schedules t SET
  job_name = s->>'job_name', queue = s->>'queue', cron = s->>'cron', timezone = s->>'timezone',
  payload = s->'payload', tenant_id = s->>'tenant_id', missed = s->'missed', overlap = s->>'overlap',
  run_on_start = (s->>'run_on_start')::boolean, paused = (s->>'paused')::boolean,
  next_fire_at = (s->>'next_fire_at')::timestamptz, updated_at = $2::timestamptz
FROM (SELECT $1::jsonb AS s) input
WHERE t.name = s->>'name'
RETURNING name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap, run_on_start, paused, source,
  next_fire_at, last_fire_at, last_job_id::text AS last_job_id, pending_fire_at, created_at, updated_at;
