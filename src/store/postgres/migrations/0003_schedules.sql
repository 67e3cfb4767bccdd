-- 0003_schedules: cron schedules, declared in code or added at runtime.
-- The schema name `conveyor` is replaced by the configured schema when the file is loaded.

-- One row per schedule. The scheduler advances next_fire_at with a compare-and-set UPDATE in the
-- same transaction as the enqueue, so however many processes tick, each fire time is enqueued once.
CREATE TABLE conveyor.schedules (
  name             text PRIMARY KEY,
  job_name         text NOT NULL,
  queue            text NOT NULL,
  cron             text NOT NULL,
  timezone         text NOT NULL,
  payload          jsonb NOT NULL,
  tenant_id        text,
  -- "skip" | "runOnce" | {"catchUp": N}
  missed           jsonb NOT NULL,
  overlap          text NOT NULL CHECK (overlap IN ('skip', 'allow', 'queue')),
  run_on_start     boolean NOT NULL DEFAULT false,
  paused           boolean NOT NULL DEFAULT false,
  source           text NOT NULL CHECK (source IN ('code', 'runtime')),
  next_fire_at     timestamptz,
  last_fire_at     timestamptz,
  last_job_id      bigint,
  -- overlap 'queue': a fire held back until the previous run finishes.
  pending_fire_at  timestamptz,
  -- run on start: when a process last claimed the start run (one per start window).
  start_fired_at   timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
-- The tick reads only due (or held) schedules.
CREATE INDEX schedules_due_idx ON conveyor.schedules (next_fire_at) WHERE NOT paused;
CREATE INDEX schedules_tenant_idx ON conveyor.schedules (tenant_id) WHERE tenant_id IS NOT NULL;
