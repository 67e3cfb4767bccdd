-- 0008_claim_names_starts_rate_log: what the claim needs for three reliability fixes.
--
-- 1. Workers claim only the job names they can run (a worker lacking a definition used to claim
--    its jobs and fail them with UNKNOWN_JOB until they were dead): the claim takes the names.
-- 2. A crash charges an attempt only to jobs whose handler started. A claim leaves the jobs it
--    hands to free slots charged (lease_seq NULL) and numbers the jobs it buffers
--    (lease_seq = the worker's sequence); before starting a buffered job, the worker records in its
--    lease row that it starts jobs up to that number (workers.started_seq). The rescuer charges a
--    lost job only if lease_seq is NULL or at most started_seq; the others go back to ready with
--    their attempt undone, like jobs given back at shutdown.
-- 3. Rate limits hold in every sliding window, not per fixed window aligned to the epoch (which let
--    a backlog start `max` jobs just before a boundary and `max` more just after it). The queue's and
--    each group's window becomes a log of recent starts: parallel arrays of a time (epoch ms,
--    rounded up to 1/64 of the interval, so a log has at most ~130 entries) and a count.
--
-- The claim functions change their signatures: the old ones are dropped here (and forgotten by the
-- function table) so that functions/ creates the new ones after this migration.

ALTER TABLE conveyor.jobs ADD COLUMN lease_seq bigint;
ALTER TABLE conveyor.workers ADD COLUMN started_seq bigint NOT NULL DEFAULT 0;

ALTER TABLE conveyor.queues
  DROP COLUMN rate_window_start,
  DROP COLUMN rate_window_count,
  ADD COLUMN rate_log_at bigint[] NOT NULL DEFAULT '{}',
  ADD COLUMN rate_log_n integer[] NOT NULL DEFAULT '{}';
ALTER TABLE conveyor.queue_groups
  DROP COLUMN rate_window_start,
  DROP COLUMN rate_window_count,
  ADD COLUMN rate_log_at bigint[] NOT NULL DEFAULT '{}',
  ADD COLUMN rate_log_n integer[] NOT NULL DEFAULT '{}';

DROP FUNCTION IF EXISTS conveyor.claim_jobs(text, text, integer, timestamptz, text);
DROP FUNCTION IF EXISTS conveyor.claim_jobs_fair(text, text, integer, timestamptz, text);
DELETE FROM conveyor.functions WHERE name IN ('claim_jobs', 'claim_jobs_fair');
