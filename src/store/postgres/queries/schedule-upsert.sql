-- scheduleUpsert: writes a schedule declared in code (declarative: the code's fields win). A new
-- row gets the given next_fire_at and paused; an existing one keeps its next_fire_at unless the cron
-- or time zone changed, and keeps paused (a runtime pause outlives restarts).
-- $1 schedule (jsonb, as in schedule-insert). $2 now (timestamptz).
INSERT INTO conveyor.schedules AS t (name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap,
  run_on_start, paused, source, next_fire_at, created_at, updated_at)
SELECT s->>'name', s->>'job_name', s->>'queue', s->>'cron', s->>'timezone', s->'payload', s->>'tenant_id',
  s->'missed', s->>'overlap', (s->>'run_on_start')::boolean, (s->>'paused')::boolean, 'code',
  (s->>'next_fire_at')::timestamptz, $2::timestamptz, $2::timestamptz
FROM (SELECT $1::jsonb AS s) input
ON CONFLICT (name) DO UPDATE SET
  job_name = EXCLUDED.job_name, queue = EXCLUDED.queue, cron = EXCLUDED.cron, timezone = EXCLUDED.timezone,
  payload = EXCLUDED.payload, tenant_id = EXCLUDED.tenant_id, missed = EXCLUDED.missed,
  overlap = EXCLUDED.overlap, run_on_start = EXCLUDED.run_on_start, source = 'code',
  next_fire_at = CASE WHEN t.cron IS DISTINCT FROM EXCLUDED.cron OR t.timezone IS DISTINCT FROM EXCLUDED.timezone
    OR t.next_fire_at IS NULL THEN EXCLUDED.next_fire_at ELSE t.next_fire_at END,
  updated_at = EXCLUDED.updated_at
RETURNING name, job_name, queue, cron, timezone, payload, tenant_id, missed, overlap, run_on_start, paused, source,
  next_fire_at, last_fire_at, last_job_id::text AS last_job_id, pending_fire_at, created_at, updated_at;
