-- conveyor.claim_jobs_fair: moves up to p_limit ready jobs of a queue to active for a worker,
-- deciding every limit inside the claim, so no claim ever takes a job it must put back
-- (docs/flow-control.md). conveyor.claim_jobs (claim_jobs.sql) calls it for any queue that has
-- limits, paused groups or more than one group with ready jobs.
--   1. A paused queue gives nothing.
--   2. A queue with limits is claimed by one process at a time (row lock on its queues row), so
--      counts of active jobs and rate windows read here cannot be overtaken by another claim.
--   3. Budget = min(p_limit, global concurrency − active, queue rate limit − starts in the window).
--   4. Groups with ready jobs are visited round-robin in key order, starting after p_cursor (the
--      last group this worker served); each gets a quota ∝ its weight, cut by its own
--      concurrency and rate limits; paused groups are skipped. Leftover budget goes round again;
--      a group the round's budget did not reach keeps its place and is offered first in the next
--      round, so a claim is short only when every group it found is empty, paused or at its
--      limits (the worker reads a short claim that nothing overlapped as "queue empty"; before
--      this rule a claim of 129 returned 13 jobs while 4,989 were ready — migration 0007).
--      A queue without limits visits groups in passes of at most budget / 8 (at least 16), so a
--      visit takes ~8 jobs; budget left after a pass walks on to the next groups (see the loop).
--   5. Inside a group, jobs go in sort_key order (priority with aging), FOR UPDATE SKIP LOCKED.
-- Rate limits hold in every sliding window: the starts counted are those of the last `interval`,
-- read from the queue's (and each group's) log of recent starts (functions/rate_log_add.sql). A
-- fixed window aligned to the epoch, as before migration 0008, let a backlog start N jobs just
-- before a boundary and N more just after it: 2N within one sliding window.
-- p_names, p_seq_base and p_start_now: as in claim_jobs.sql (names this worker can run; which jobs
-- taken are charged now and how the buffered ones are numbered).
--
-- This file is the only definition of the function. The migrator re-applies it (CREATE OR
-- REPLACE, under the migration lock, after the numbered migrations) whenever its checksum changes;
-- numbered migrations never depend on its body. A change of its signature needs a numbered
-- migration that drops the old one.
CREATE OR REPLACE FUNCTION conveyor.claim_jobs_fair(p_queue text, p_worker text, p_limit integer, p_now timestamptz,
  p_cursor text, p_names text[], p_seq_base bigint, p_start_now integer)
RETURNS SETOF conveyor.jobs
LANGUAGE plpgsql AS $$
DECLARE
  q conveyor.queues%ROWTYPE;
  configured boolean;
  limited boolean := false;
  budget integer := p_limit;
  now_ms bigint := floor(extract(epoch FROM p_now) * 1000)::bigint;
  q_used integer := 0;
  groups text[] := '{}';
  start_keys bigint[] := '{}';
  start_ids bigint[] := '{}';
  slot integer;
  candidates integer[];
  next_round integer[];
  unoffered integer[];
  want_slots integer[];
  want_quotas integer[];
  left_in_round integer;
  taken_jobs conveyor.jobs[];
  taken_slots integer[];
  i integer;
  taken_per_slot integer[];
  quota integer;
  round_quota integer;
  taken integer;
  total integer := 0;
  g_paused boolean[];
  g_concurrency integer[];
  g_weight integer[];
  g_used integer[];
  g_active integer[];
  g_limit integer;
  -- The walk's position: the cursor, then the last group the previous pass walked.
  walk_after text := p_cursor;
  walk_cap integer;
  capped boolean;
  visited integer := 0;
  total_before integer;
BEGIN
  IF p_limit <= 0 THEN RETURN; END IF;
  SELECT * INTO q FROM conveyor.queues WHERE name = p_queue;
  configured := FOUND;
  IF configured THEN
    IF q.paused THEN RETURN; END IF;
    limited := q.global_concurrency IS NOT NULL OR q.rate_limit IS NOT NULL OR q.group_concurrency IS NOT NULL
      OR q.group_rate_limit IS NOT NULL OR q.has_group_rules;
  END IF;
  IF limited THEN
    SELECT * INTO q FROM conveyor.queues WHERE name = p_queue FOR UPDATE;
    IF q.paused THEN RETURN; END IF;
    IF q.global_concurrency IS NOT NULL THEN
      budget := LEAST(budget, q.global_concurrency
        - (SELECT count(*)::integer FROM conveyor.jobs WHERE queue = p_queue AND state = 'active'));
    END IF;
    IF q.rate_limit IS NOT NULL THEN
      -- Starts inside the sliding window ending now. A start logged by a process whose clock runs
      -- ahead counts until its own time leaves the window, so skew delays work, never exceeds.
      SELECT COALESCE(sum(l.n), 0)::integer INTO q_used
      FROM unnest(q.rate_log_at, q.rate_log_n) AS l(at, n) WHERE l.at > now_ms - q.rate_interval_ms;
      budget := LEAST(budget, q.rate_limit - q_used);
    END IF;
  END IF;
  IF budget <= 0 THEN RETURN; END IF;

  -- Up to `budget` groups with ready jobs, in key order after the cursor, wrapping once, found by a
  -- recursive loose index scan: one statement visits the groups after the cursor, a second (if
  -- needed) wraps around from the first group up to the cursor. One statement per group made a
  -- 100-tenant drain run at a third of the one-tenant drain. Each step also notes where the
  -- group's ready jobs begin, so the take starts its index scan there: the entries of jobs claimed
  -- moments ago (dead until vacuum) are walked once per group, not twice (claims of 75 in a 50k
  -- drain: 10 ms with a separate min(group_key) probe, 4 ms like this).
  <<pass>>
  LOOP
    -- An unlimited queue walks at most budget / 8 groups (at least 16) per pass, so each group
    -- visited gets a quota of ~8 instead of ~budget / groups: a group costs two index descents and a
    -- heap read per pass whatever it takes (walk, take), and 100 tenants with claims of ~250 gave
    -- each 2-3 jobs a visit. If budget is left when the pass is done, the next pass walks on from
    -- the last group walked (groups served are not left for later: the claim would come back short).
    -- drain_c50_tenants (20k jobs, 100 tenants), interleaved A/B, medians of pair medians, µs per
    -- job: database 45.5 → 40.0 and 48.5 → 43.5, CPU 71.9 → 66.5 and 69.3 → 60.8;
    -- fairness_small_p99_ms 385 → 409 and 595 → 548 (noise). Quotas of 16 measured the same.
    walk_cap := CASE WHEN limited THEN budget ELSE LEAST(budget, GREATEST(16, ceil(budget / 8.0)::integer)) END;
    groups := '{}';
    start_keys := '{}';
    start_ids := '{}';
    -- Two spellings of the first walk, by whether there is a cursor, rather than one with
    -- `(walk_after IS NULL OR j.group_key > walk_after)`: PL/pgSQL caches a generic plan, in which
    -- that OR cannot bound the index scan, so a walk after the cursor would step through every
    -- group before it.
    IF walk_after IS NULL THEN
      WITH RECURSIVE walk AS (
        (SELECT j.group_key, j.sort_key, j.id, 1 AS n FROM conveyor.jobs j
         WHERE j.queue = p_queue AND j.state = 'ready' AND (p_names IS NULL OR j.name = ANY (p_names))
         ORDER BY j.group_key, j.sort_key, j.id LIMIT 1)
        UNION ALL
        SELECT nxt.group_key, nxt.sort_key, nxt.id, w.n + 1 FROM walk w
        CROSS JOIN LATERAL (
          SELECT j.group_key, j.sort_key, j.id FROM conveyor.jobs j
          WHERE j.queue = p_queue AND j.state = 'ready' AND j.group_key > w.group_key
            AND (p_names IS NULL OR j.name = ANY (p_names))
          ORDER BY j.group_key, j.sort_key, j.id LIMIT 1
        ) nxt
        WHERE w.n < walk_cap
      )
      SELECT COALESCE(array_agg(walk.group_key ORDER BY walk.n), '{}'),
             COALESCE(array_agg(walk.sort_key ORDER BY walk.n), '{}'), COALESCE(array_agg(walk.id ORDER BY walk.n), '{}')
      INTO groups, start_keys, start_ids FROM walk;
    ELSE
      WITH RECURSIVE walk AS (
        (SELECT j.group_key, j.sort_key, j.id, 1 AS n FROM conveyor.jobs j
         WHERE j.queue = p_queue AND j.state = 'ready' AND j.group_key > walk_after
           AND (p_names IS NULL OR j.name = ANY (p_names))
         ORDER BY j.group_key, j.sort_key, j.id LIMIT 1)
        UNION ALL
        SELECT nxt.group_key, nxt.sort_key, nxt.id, w.n + 1 FROM walk w
        CROSS JOIN LATERAL (
          SELECT j.group_key, j.sort_key, j.id FROM conveyor.jobs j
          WHERE j.queue = p_queue AND j.state = 'ready' AND j.group_key > w.group_key
            AND (p_names IS NULL OR j.name = ANY (p_names))
          ORDER BY j.group_key, j.sort_key, j.id LIMIT 1
        ) nxt
        WHERE w.n < walk_cap
      )
      SELECT COALESCE(array_agg(walk.group_key ORDER BY walk.n), '{}'),
             COALESCE(array_agg(walk.sort_key ORDER BY walk.n), '{}'), COALESCE(array_agg(walk.id ORDER BY walk.n), '{}')
      INTO groups, start_keys, start_ids FROM walk;
    END IF;
    IF cardinality(groups) < walk_cap AND walk_after IS NOT NULL THEN
      WITH RECURSIVE walk AS (
        (SELECT j.group_key, j.sort_key, j.id, 1 AS n FROM conveyor.jobs j
         WHERE j.queue = p_queue AND j.state = 'ready' AND j.group_key <= walk_after
           AND (p_names IS NULL OR j.name = ANY (p_names))
         ORDER BY j.group_key, j.sort_key, j.id LIMIT 1)
        UNION ALL
        SELECT nxt.group_key, nxt.sort_key, nxt.id, w.n + 1 FROM walk w
        CROSS JOIN LATERAL (
          SELECT j.group_key, j.sort_key, j.id FROM conveyor.jobs j
          WHERE j.queue = p_queue AND j.state = 'ready' AND j.group_key > w.group_key AND j.group_key <= walk_after
            AND (p_names IS NULL OR j.name = ANY (p_names))
          ORDER BY j.group_key, j.sort_key, j.id LIMIT 1
        ) nxt
        WHERE w.n < walk_cap - cardinality(groups)
      )
      SELECT groups || COALESCE(array_agg(walk.group_key ORDER BY walk.n), '{}'),
             start_keys || COALESCE(array_agg(walk.sort_key ORDER BY walk.n), '{}'),
             start_ids || COALESCE(array_agg(walk.id ORDER BY walk.n), '{}')
      INTO groups, start_keys, start_ids FROM walk;
    END IF;

    -- A limited queue reads every visited group's settings and running count in one statement, not
    -- three per group (measured: a 100-tenant drain with a per-tenant limit ran at 0.41 of the
    -- unlimited drain with per-group statements).
    IF limited AND cardinality(groups) > 0 THEN
      SELECT array_agg(COALESCE(x.paused, false) ORDER BY u.ord), array_agg(x.concurrency ORDER BY u.ord),
             array_agg(COALESCE(x.weight, 1) ORDER BY u.ord), array_agg(r.n ORDER BY u.ord),
             array_agg(c.n ORDER BY u.ord)
      INTO g_paused, g_concurrency, g_weight, g_used, g_active
      FROM unnest(groups) WITH ORDINALITY AS u(key, ord)
      LEFT JOIN conveyor.queue_groups x ON x.queue = p_queue AND x.group_key = u.key
      CROSS JOIN LATERAL (
        SELECT count(*)::integer AS n FROM conveyor.jobs WHERE queue = p_queue AND group_key = u.key AND state = 'active'
      ) c
      -- The group's starts inside its sliding window (0 without a group rate limit or a log).
      CROSS JOIN LATERAL (
        SELECT COALESCE(sum(l.n), 0)::integer AS n FROM unnest(x.rate_log_at, x.rate_log_n) AS l(at, n)
        WHERE q.group_rate_limit IS NOT NULL AND l.at > now_ms - q.group_rate_interval_ms
      ) r;
    END IF;

    -- Rounds: each gives every candidate group a quota (weight × an even share of the budget, cut by
    -- its limits), then takes all of them in ONE statement (a LATERAL take per group). One statement
    -- per group per round made a fair claim over many tenants cost a statement per job.
    capped := walk_cap < budget AND cardinality(groups) >= walk_cap;
    visited := visited + cardinality(groups);
    total_before := total;
    candidates := ARRAY(SELECT generate_series(1, cardinality(groups)));
    WHILE budget > 0 AND cardinality(candidates) > 0 LOOP
      round_quota := GREATEST(1, ceil(budget::numeric / cardinality(candidates))::integer);
      want_slots := '{}';
      want_quotas := '{}';
      left_in_round := budget;
      unoffered := '{}';
      FOREACH slot IN ARRAY candidates LOOP
        -- The round's budget is spent: the group keeps its place and is offered first next round.
        IF left_in_round <= 0 THEN
          unoffered := unoffered || slot;
          CONTINUE;
        END IF;
        quota := round_quota;
        IF limited THEN
          CONTINUE WHEN g_paused[slot];
          quota := quota * g_weight[slot];
          g_limit := COALESCE(g_concurrency[slot], q.group_concurrency);
          IF g_limit IS NOT NULL THEN
            quota := LEAST(quota, g_limit - g_active[slot]);
          END IF;
          IF q.group_rate_limit IS NOT NULL THEN
            quota := LEAST(quota, q.group_rate_limit - g_used[slot]);
          END IF;
        END IF;
        quota := LEAST(quota, left_in_round);
        CONTINUE WHEN quota <= 0;
        want_slots := want_slots || slot;
        want_quotas := want_quotas || quota;
        left_in_round := left_in_round - quota;
      END LOOP;
      EXIT WHEN cardinality(want_slots) = 0;

      WITH want AS (
        SELECT t.w_slot, t.w_quota FROM unnest(want_slots, want_quotas) AS t(w_slot, w_quota)
      ),
      picked AS (
        SELECT w.w_slot, p.id, p.tid, p.sort_key FROM want w
        CROSS JOIN LATERAL (
          SELECT id, ctid AS tid, sort_key FROM conveyor.jobs
          WHERE queue = p_queue AND group_key = groups[w.w_slot] AND state = 'ready'
            AND (sort_key, id) >= (start_keys[w.w_slot], start_ids[w.w_slot])
            AND (p_names IS NULL OR name = ANY (p_names))
          ORDER BY sort_key, id
          LIMIT w.w_quota
          FOR UPDATE SKIP LOCKED
        ) p
      ),
      -- Each job's position in the claim (earlier rounds took `total`): the first p_start_now are
      -- charged now, the rest numbered for the worker's start record (see claim_jobs.sql).
      numbered AS (
        SELECT p.id, total + row_number() OVER (ORDER BY p.w_slot, p.sort_key, p.id) AS ord FROM picked p
      ),
      -- Rows are updated by the versions just locked (ctid = ANY of an array, a TID scan; see
      -- claim_jobs.sql for the figure and the one case that differs from a lookup by id): joined to
      -- `picked` instead, the planner guessed a large join and hashed a sequential scan of the whole
      -- jobs table (7 ms for 200 rows of a 5,500-row table; it grows with every delayed job).
      claimed AS (
        UPDATE conveyor.jobs j
        SET state = 'active', attempt = j.attempt + 1, lease_owner = p_worker, started_at = p_now,
            lease_seq = CASE WHEN n.ord <= p_start_now THEN NULL ELSE p_seq_base + n.ord END
        FROM numbered n
        WHERE j.ctid = ANY (ARRAY(SELECT tid FROM picked)) AND j.id = n.id
        RETURNING j AS c_job
      )
      SELECT array_agg(c.c_job ORDER BY p.w_slot, (c.c_job).sort_key, (c.c_job).id),
             array_agg(p.w_slot ORDER BY p.w_slot, (c.c_job).sort_key, (c.c_job).id)
      INTO taken_jobs, taken_slots
      FROM claimed c JOIN picked p ON p.id = (c.c_job).id;

      IF taken_jobs IS NOT NULL THEN
        RETURN QUERY SELECT * FROM unnest(taken_jobs);
      END IF;
      next_round := unoffered;
      -- Jobs taken per slot, counted in the array itself (a count query per slot cost ~2 ms a claim).
      taken_per_slot := array_fill(0, ARRAY[cardinality(groups)]);
      IF taken_slots IS NOT NULL THEN
        FOREACH slot IN ARRAY taken_slots LOOP
          taken_per_slot[slot] := taken_per_slot[slot] + 1;
        END LOOP;
      END IF;
      FOR i IN 1 .. cardinality(want_slots) LOOP
        slot := want_slots[i];
        taken := taken_per_slot[slot];
        budget := budget - taken;
        total := total + taken;
        IF taken > 0 AND limited THEN
          g_active[slot] := g_active[slot] + taken;
          IF q.group_rate_limit IS NOT NULL THEN
            g_used[slot] := g_used[slot] + taken;
            INSERT INTO conveyor.queue_groups AS x (queue, group_key, rate_log_at, rate_log_n)
            SELECT p_queue, groups[slot], l.at, l.n
            FROM conveyor.rate_log_add('{}', '{}', now_ms, q.group_rate_interval_ms, taken) l
            ON CONFLICT (queue, group_key) DO UPDATE SET (rate_log_at, rate_log_n) = (
              SELECT l.at, l.n FROM conveyor.rate_log_add(x.rate_log_at, x.rate_log_n, now_ms,
                q.group_rate_interval_ms, taken) l);
          END IF;
        END IF;
        IF taken = want_quotas[i] THEN next_round := next_round || slot; END IF;
      END LOOP;
      candidates := next_round;
      -- A capped walk left groups unvisited: they come before a second helping for these.
      EXIT WHEN capped AND cardinality(unoffered) = 0;
    END LOOP;
    -- Stop when no groups were left unwalked, nothing was taken, or as many groups were visited as
    -- the whole claim's budget (the walk's bound before passes).
    EXIT pass WHEN NOT capped OR budget <= 0 OR total = total_before OR visited >= p_limit;
    walk_after := groups[cardinality(groups)];
  END LOOP;

  IF limited AND q.rate_limit IS NOT NULL AND total > 0 THEN
    UPDATE conveyor.queues x SET (rate_log_at, rate_log_n) = (
      SELECT l.at, l.n FROM conveyor.rate_log_add(x.rate_log_at, x.rate_log_n, now_ms, q.rate_interval_ms, total) l)
    WHERE x.name = p_queue;
  END IF;
END
$$;
