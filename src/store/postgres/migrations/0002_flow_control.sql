-- 0002_flow_control: groups, fair claiming, per-queue and per-group limits, pause, aging.
-- Design note: docs/flow-control.md. Every limit is decided inside conveyor.claim_jobs, so no
-- claim ever takes a job it must put back.

-- '' is the shared group of jobs with neither tenant nor group key.
UPDATE conveyor.jobs SET group_key = '' WHERE group_key IS NULL;
-- Byte order ("C"): faster comparisons, and the same order the worker uses for its round-robin cursor.
ALTER TABLE conveyor.jobs ALTER COLUMN group_key TYPE text COLLATE "C",
  ALTER COLUMN group_key SET DEFAULT '', ALTER COLUMN group_key SET NOT NULL;

-- Order inside a group: epoch milliseconds of run_at plus priority × the queue's aging step, so a
-- job of priority p runs after more urgent ones only until it has waited p steps (no starvation).
ALTER TABLE conveyor.jobs ADD COLUMN sort_key bigint;
UPDATE conveyor.jobs SET sort_key = (extract(epoch FROM run_at) * 1000)::bigint + priority::bigint * 60000;
ALTER TABLE conveyor.jobs ALTER COLUMN sort_key SET NOT NULL;

-- The claim walks groups in key order and each group's jobs in sort order: one index serves both.
DROP INDEX conveyor.jobs_ready_idx;
CREATE INDEX jobs_ready_idx ON conveyor.jobs (queue, group_key, sort_key, id) WHERE state = 'ready';
-- Active jobs per queue and group, for concurrency limits; the rescuer and the heartbeat's list of
-- held jobs read it too (it holds only running jobs), so the lease index is no longer needed: one
-- index insert fewer per claim.
CREATE INDEX jobs_active_idx ON conveyor.jobs (queue, group_key) WHERE state = 'active';
DROP INDEX conveyor.jobs_lease_idx;
-- Jobs cancelled while running, until their worker's heartbeat collects them.
CREATE INDEX jobs_cancelled_owner_idx ON conveyor.jobs (lease_owner) WHERE state = 'cancelled' AND lease_owner IS NOT NULL;

-- Queue settings (from code at start, changeable at runtime) and the queue's rate window.
CREATE TABLE conveyor.queues (
  name                    text PRIMARY KEY,
  paused                  boolean NOT NULL DEFAULT false,
  priority                integer NOT NULL DEFAULT 0,
  global_concurrency      integer CHECK (global_concurrency > 0),
  group_concurrency       integer CHECK (group_concurrency > 0),
  rate_limit              integer CHECK (rate_limit > 0),
  rate_interval_ms        integer CHECK (rate_interval_ms > 0),
  group_rate_limit        integer CHECK (group_rate_limit > 0),
  group_rate_interval_ms  integer CHECK (group_rate_interval_ms > 0),
  aging_ms                bigint NOT NULL DEFAULT 60000 CHECK (aging_ms > 0),
  -- Some group of this queue is paused, weighted or has its own limit.
  has_group_rules         boolean NOT NULL DEFAULT false,
  rate_window_start       timestamptz,
  rate_window_count       integer NOT NULL DEFAULT 0,
  updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Per-group overrides and the group's rate window; a row exists only for groups that need one.
CREATE TABLE conveyor.queue_groups (
  queue              text NOT NULL,
  group_key          text NOT NULL,
  paused             boolean NOT NULL DEFAULT false,
  concurrency        integer CHECK (concurrency >= 0),
  weight             integer NOT NULL DEFAULT 1 CHECK (weight > 0),
  rate_window_start  timestamptz,
  rate_window_count  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (queue, group_key)
);

-- The claim (conveyor.claim_jobs, conveyor.claim_jobs_fair) was created here until its definition
-- moved to functions/, which the migrator applies after the numbered migrations.
