-- conveyor.claim_jobs: the claim every worker calls (queries/job-claim.sql). A queue without
-- limits whose ready jobs all belong to one group (the common case: no tenants, or one tenant's
-- backlog) takes its jobs in one statement, without the group walk, quota rounds and row arrays of
-- the fair claim (claim_jobs_fair.sql), which takes every other case. Measured per claimed job in a
-- serial claim-and-complete loop (250 per claim), PostgreSQL CPU: 19 µs through the fair claim,
-- 14 µs through the plain statement (migration 0005).
--
-- A claim commits without waiting for its WAL to reach disk (synchronous_commit off for the claim's
-- own transaction; the claim statement is one). Losing a claim is safe: if the server crashes
-- before that WAL is flushed, the job is simply ready again and runs again, which at-least-once
-- delivery allows (docs/delivery-guarantees.md). A later synchronous commit (the job's completion)
-- flushes the claim with it, so a completed job's claim is never the part that is lost. Enqueues
-- and outcomes stay synchronous. This saves a disk flush per claim (~0.15 ms on this machine) on
-- the path from enqueue to start.
--
-- The claimed rows are updated by the row versions `FOR UPDATE SKIP LOCKED` just locked
-- (`ctid = ANY (…)`, a TID scan), not looked up again through the primary key: serial claim loop
-- over 30k jobs, claims of 170, interleaved A/B: 17.0/16.9 → 15.6/15.7 µs of PostgreSQL time per
-- job (the primary key descent was ~4 buffer reads a row). A locked version is the newest, so it
-- is the one to update. One case differs from a lookup by id: a ready job changed and still ready
-- by a transaction that committed after this statement's snapshot is locked in its new version,
-- which the update's snapshot cannot see; it is left out of this claim (still ready, unlocked at
-- commit) instead of being taken.
--
-- Parameters besides the queue, worker, limit, clock and round-robin cursor:
--   p_names     the job names this worker can run (NULL: any). A job of another name is left for a
--               worker that knows it, so a worker lacking a definition never fails a job it could
--               not run (docs/delivery-guarantees.md).
--   p_seq_base, p_start_now: the first p_start_now jobs taken go straight to free slots and are
--               charged now (lease_seq NULL); the rest are buffered by the worker and numbered
--               p_seq_base + their position (lease_seq), so the rescuer charges one only if the
--               worker had recorded that it starts it (workers.started_seq; see
--               queries/job-rescue-expired.sql).
--
-- This file is the only definition of the function; see claim_jobs_fair.sql for how it is applied.
CREATE OR REPLACE FUNCTION conveyor.claim_jobs(p_queue text, p_worker text, p_limit integer, p_now timestamptz,
  p_cursor text, p_names text[], p_seq_base bigint, p_start_now integer)
RETURNS SETOF conveyor.jobs
LANGUAGE plpgsql AS $$
DECLARE
  q conveyor.queues%ROWTYPE;
  first_group text;
  start_key bigint;
  start_id bigint;
BEGIN
  IF p_limit <= 0 THEN RETURN; END IF;
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT * INTO q FROM conveyor.queues WHERE name = p_queue;
  -- Paused, limited or with group rules: the fair claim decides (it reads the row again, locked).
  IF FOUND AND (q.paused OR q.global_concurrency IS NOT NULL OR q.rate_limit IS NOT NULL
      OR q.group_concurrency IS NOT NULL OR q.group_rate_limit IS NOT NULL OR q.has_group_rules) THEN
    RETURN QUERY SELECT * FROM conveyor.claim_jobs_fair(p_queue, p_worker, p_limit, p_now, p_cursor, p_names,
      p_seq_base, p_start_now);
    RETURN;
  END IF;
  -- Where the first group's ready jobs begin: the take starts its index scan there, so the entries
  -- of jobs claimed moments ago (dead until vacuum) are walked once, not twice.
  SELECT j.group_key, j.sort_key, j.id INTO first_group, start_key, start_id FROM conveyor.jobs j
  WHERE j.queue = p_queue AND j.state = 'ready' AND (p_names IS NULL OR j.name = ANY (p_names))
  ORDER BY j.group_key, j.sort_key, j.id LIMIT 1;
  IF NOT FOUND THEN RETURN; END IF;
  -- Another group with ready jobs: round-robin between them is the fair claim's work. Written as
  -- an ordered LIMIT 1 (not EXISTS) so that the generic plan PL/pgSQL switches to after five calls
  -- stays an index probe: with table statistics, EXISTS (… group_key > $x) planned a sequential
  -- scan of jobs (15 ms per claim at 100k jobs; the drain ran at half speed).
  PERFORM 1 FROM conveyor.jobs j
  WHERE j.queue = p_queue AND j.state = 'ready' AND j.group_key > first_group
    AND (p_names IS NULL OR j.name = ANY (p_names))
  ORDER BY j.group_key, j.sort_key, j.id LIMIT 1;
  IF FOUND THEN
    RETURN QUERY SELECT * FROM conveyor.claim_jobs_fair(p_queue, p_worker, p_limit, p_now, p_cursor, p_names,
      p_seq_base, p_start_now);
    RETURN;
  END IF;
  -- Every job charged at once (the worker will start them all soon): no numbering. Numbering the
  -- jobs of a claim (a window and a join) cost ~1.5 µs of PostgreSQL CPU per job in a 250-job claim.
  IF p_start_now >= p_limit THEN
    RETURN QUERY
    WITH picked AS (
      SELECT j.ctid AS tid FROM conveyor.jobs j
      WHERE j.queue = p_queue AND j.group_key = first_group AND j.state = 'ready'
        AND (j.sort_key, j.id) >= (start_key, start_id) AND (p_names IS NULL OR j.name = ANY (p_names))
      ORDER BY j.sort_key, j.id
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED
    ),
    -- By the row versions just locked (a TID scan), not through the primary key: see the note at
    -- the top. A join to `picked` could hash a scan of the whole table.
    claimed AS (
      UPDATE conveyor.jobs j
      SET state = 'active', attempt = j.attempt + 1, lease_owner = p_worker, started_at = p_now, lease_seq = NULL
      WHERE j.ctid = ANY (ARRAY(SELECT tid FROM picked))
      RETURNING j.*
    )
    SELECT * FROM claimed c ORDER BY c.sort_key, c.id;
    RETURN;
  END IF;
  RETURN QUERY
  WITH picked AS (
    SELECT t.id, t.tid, row_number() OVER (ORDER BY t.sort_key, t.id) AS ord
    FROM (
      SELECT j.id, j.ctid AS tid, j.sort_key FROM conveyor.jobs j
      WHERE j.queue = p_queue AND j.group_key = first_group AND j.state = 'ready'
        AND (j.sort_key, j.id) >= (start_key, start_id) AND (p_names IS NULL OR j.name = ANY (p_names))
      ORDER BY j.sort_key, j.id
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED
    ) t
  ),
  -- By the row versions just locked (TID scan), then matched to its `picked` row for its position.
  claimed AS (
    UPDATE conveyor.jobs j
    SET state = 'active', attempt = j.attempt + 1, lease_owner = p_worker, started_at = p_now,
        lease_seq = CASE WHEN p.ord <= p_start_now THEN NULL ELSE p_seq_base + p.ord END
    FROM picked p
    WHERE j.ctid = ANY (ARRAY(SELECT tid FROM picked)) AND j.id = p.id
    RETURNING j.*
  )
  SELECT * FROM claimed c ORDER BY c.sort_key, c.id;
END
$$;
