-- 0004_observability: per-attempt execution details on job_runs (the AdvisorOS fields), indexes
-- for analytics by time window and job, and alert incidents.
-- The schema name `conveyor` is replaced by the configured schema when the file is loaded.

-- Filled by the statements that end an attempt (job-complete-many, job-fail-many,
-- job-rescue-expired). cpu_ms and the memory deltas are measured around the handler in the worker
-- process: with concurrency > 1 they are process-wide figures over the attempt, an approximation.
ALTER TABLE conveyor.job_runs
  ADD COLUMN worker_host       text,
  -- When the attempt became due (the job's run_at at claim time): wait = started_at - due_at.
  ADD COLUMN due_at            timestamptz,
  ADD COLUMN cpu_ms            double precision,
  ADD COLUMN heap_delta_bytes  bigint,
  ADD COLUMN rss_delta_bytes   bigint,
  -- Derived, so analytics never recompute them and rows seeded by hand get them too. Adding a
  -- stored generated column rewrites job_runs once; retention keeps that table small.
  ADD COLUMN duration_ms       double precision
    GENERATED ALWAYS AS ((extract(epoch FROM (finished_at - started_at)) * 1000)::double precision) STORED,
  ADD COLUMN wait_ms           double precision
    GENERATED ALWAYS AS ((extract(epoch FROM (started_at - COALESCE(due_at, enqueued_at))) * 1000)::double precision) STORED;

-- Time-window analytics and age-based history retention read this one. History is appended in
-- finish order, so BRIN serves the windows at almost no cost per insert (the completing statement
-- writes one row per job, and each btree on it costs every job).
CREATE INDEX job_runs_finished_idx ON conveyor.job_runs USING brin (finished_at) WITH (pages_per_range = 32);
-- Per-job analytics and alert rules (consecutive failures, recent average, last success).
CREATE INDEX job_runs_name_finished_idx ON conveyor.job_runs (name, finished_at);

-- Alert incidents: at most one open incident per rule and subject (a job, a queue), so several
-- processes evaluating the same rules open, deliver and resolve each incident once.
CREATE TABLE conveyor.alert_incidents (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule         text NOT NULL,
  kind         text NOT NULL,
  subject      text NOT NULL,
  severity     text NOT NULL,
  message      text NOT NULL,
  details      jsonb,
  opened_at    timestamptz NOT NULL,
  resolved_at  timestamptz
);
CREATE UNIQUE INDEX alert_incidents_open_idx ON conveyor.alert_incidents (rule, subject) WHERE resolved_at IS NULL;
CREATE INDEX alert_incidents_opened_idx ON conveyor.alert_incidents (opened_at);
