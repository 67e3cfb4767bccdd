-- scheduleInsert: adds a schedule at runtime; returns nothing when the name is taken.
-- $1 schedule (jsonb: name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap,
--    run_on_start, paused, source, next_fire_at). $2 now (timestamptz).
INSERT INTO conveyor.schedules (name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap,
  run_on_start, paused, source, next_fire_at, created_at, updated_at)
SELECT s->>'name', s->>'job_name', s->>'queue', s->>'cron', s->>'timezone', s->'payload', s->>'tenant_id',
  s->'missed', s->>'overlap', (s->>'run_on_start')::boolean, (s->>'paused')::boolean, s->>'source',
  (s->>'next_fire_at')::timestamptz, $2::timestamptz, $2::timestamptz
FROM (SELECT $1::jsonb AS s) input
ON CONFLICT (name) DO NOTHING
RETURNING name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap, run_on_start, paused, source,
  next_fire_at, last_fire_at, last_job_id::text AS last_job_id, pending_fire_at, created_at, updated_at;
