-- 0001_jobs: live jobs, unique-key reservations, per-attempt run history, worker leases.
-- The schema name `conveyor` is replaced by the configured schema when the file is loaded.

CREATE SEQUENCE conveyor.job_id_seq AS bigint;

-- Live jobs (scheduled, ready, active) plus dead and cancelled ones kept for inspection and replay.
-- Completed jobs move to job_runs in the completing statement, so this table stays small.
-- No foreign keys on hot tables (D5.6); fillfactor leaves room for HOT updates of state/lease.
CREATE TABLE conveyor.jobs (
  id            bigint PRIMARY KEY DEFAULT nextval('conveyor.job_id_seq'),
  queue         text NOT NULL,
  name          text NOT NULL,
  state         text NOT NULL CHECK (state IN ('scheduled', 'ready', 'active', 'dead', 'cancelled')),
  priority      integer NOT NULL DEFAULT 0,
  run_at        timestamptz NOT NULL,
  payload       jsonb NOT NULL,
  attempt       integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL,
  backoff       jsonb,
  timeout_ms    integer,
  tenant_id     text,
  group_key     text,
  unique_key    text,
  metadata      jsonb,
  progress      jsonb,
  errors        jsonb NOT NULL DEFAULT '[]',
  lease_owner   text,
  created_at    timestamptz NOT NULL,
  started_at    timestamptz,
  finished_at   timestamptz
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);

ALTER SEQUENCE conveyor.job_id_seq OWNED BY conveyor.jobs.id;

-- The claim reads only this index, in exactly its order (D5.4).
CREATE INDEX jobs_ready_idx ON conveyor.jobs (queue, priority, id) WHERE state = 'ready';
-- The promoter reads only due scheduled jobs; future jobs cost the claim nothing.
CREATE INDEX jobs_scheduled_idx ON conveyor.jobs (run_at) WHERE state = 'scheduled';
-- Heartbeat (cancelled jobs of a worker) and rescuer (jobs of dead workers).
CREATE INDEX jobs_lease_idx ON conveyor.jobs (lease_owner) WHERE lease_owner IS NOT NULL;
-- Dead-letter listing and retention.
CREATE INDEX jobs_finished_idx ON conveyor.jobs (queue, finished_at) WHERE state IN ('dead', 'cancelled');

-- Unique-key reservations. A key with expires_at NULL is held while its job is unfinished and is
-- released by the statement that finishes the job; one with expires_at is held until then.
CREATE TABLE conveyor.job_keys (
  key         text PRIMARY KEY,
  job_id      bigint NOT NULL,
  expires_at  timestamptz
);
CREATE INDEX job_keys_expiry_idx ON conveyor.job_keys (expires_at) WHERE expires_at IS NOT NULL;

-- One row per attempt (and per cancellation), written by the statement that ends the attempt.
CREATE TABLE conveyor.job_runs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id       bigint NOT NULL,
  queue        text NOT NULL,
  name         text NOT NULL,
  tenant_id    text,
  group_key    text,
  attempt      integer NOT NULL,
  status       text NOT NULL CHECK (status IN ('completed', 'failed', 'dead', 'stalled', 'cancelled')),
  payload      jsonb,
  result       jsonb,
  error        jsonb,
  enqueued_at  timestamptz NOT NULL,
  started_at   timestamptz,
  finished_at  timestamptz NOT NULL,
  worker_id    text,
  metadata     jsonb
) WITH (autovacuum_vacuum_scale_factor = 0.05);
CREATE INDEX job_runs_job_idx ON conveyor.job_runs (job_id);
CREATE INDEX job_runs_queue_status_idx ON conveyor.job_runs (queue, status, finished_at);

-- Worker processes and their leases: one heartbeat row per process, not per job (D5.7).
CREATE TABLE conveyor.workers (
  id            text PRIMARY KEY,
  host          text NOT NULL,
  pid           integer NOT NULL,
  queues        text[] NOT NULL,
  started_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL
);
