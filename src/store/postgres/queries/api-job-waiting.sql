-- apiJobWaiting: what holds a job back, read from the state the claim decides on
-- (functions/claim_jobs_fair.sql, docs/flow-control.md), for one job within a scope (none: no row).
-- $1 scope tenant (text, NULL: every tenant), $2 job id, $3 now (timestamptz).
-- Per job: its queue's and group's pause flags, concurrency limits and running counts, the starts
-- counted in the queue's and the group's sliding rate window (and when the first of them leaves
-- it, epoch ms), the live workers (lease not expired) serving its queue and name with the last
-- heartbeat of any worker of the queue, and, for a ready job, the ready jobs of its queue and group
-- the claim takes before it (group_key, sort_key, id order on jobs_ready_idx; counted up to 100,000).
WITH job AS (
  SELECT j.id, j.queue, j.name, j.state, j.group_key, j.run_at, j.attempt, j.sort_key,
    floor(extract(epoch FROM $3::timestamptz) * 1000)::bigint AS now_ms
  FROM conveyor.jobs j
  WHERE j.id = $2::bigint AND ($1::text IS NULL OR j.tenant_id = $1::text)
)
SELECT job.id::text AS id, job.queue, job.name, job.state, job.group_key, job.run_at, job.attempt,
  COALESCE(q.paused, false) AS queue_paused,
  COALESCE(g.paused, false) AS group_paused,
  q.global_concurrency,
  COALESCE(g.concurrency, q.group_concurrency) AS group_limit,
  (SELECT count(*) FROM conveyor.jobs a WHERE a.queue = job.queue AND a.state = 'active')::integer AS queue_active,
  (SELECT count(*) FROM conveyor.jobs a
   WHERE a.queue = job.queue AND a.group_key = job.group_key AND a.state = 'active')::integer AS group_active,
  q.rate_limit, q.rate_interval_ms,
  (SELECT COALESCE(sum(l.n), 0) FROM unnest(q.rate_log_at, q.rate_log_n) AS l(at, n)
   WHERE l.at > job.now_ms - q.rate_interval_ms)::integer AS queue_rate_used,
  (SELECT min(l.at + q.rate_interval_ms) FROM unnest(q.rate_log_at) AS l(at)
   WHERE l.at > job.now_ms - q.rate_interval_ms)::float8 AS queue_rate_free_ms,
  q.group_rate_limit, q.group_rate_interval_ms,
  (SELECT COALESCE(sum(l.n), 0) FROM unnest(g.rate_log_at, g.rate_log_n) AS l(at, n)
   WHERE l.at > job.now_ms - q.group_rate_interval_ms)::integer AS group_rate_used,
  (SELECT min(l.at + q.group_rate_interval_ms) FROM unnest(g.rate_log_at) AS l(at)
   WHERE l.at > job.now_ms - q.group_rate_interval_ms)::float8 AS group_rate_free_ms,
  (SELECT count(*) FROM conveyor.workers w
   WHERE w.expires_at > $3::timestamptz AND job.queue = ANY (w.queues)
     AND (w.names IS NULL OR job.name = ANY (w.names)))::integer AS live_workers,
  (SELECT max(w.last_seen_at) FROM conveyor.workers w WHERE job.queue = ANY (w.queues)) AS worker_last_seen,
  CASE WHEN job.state = 'ready' THEN (
    SELECT count(*) FROM (
      SELECT 1 FROM conveyor.jobs b
      WHERE b.queue = job.queue AND b.state = 'ready' AND b.group_key = job.group_key
        AND (b.sort_key, b.id) < (job.sort_key, job.id)
      LIMIT 100000
    ) ahead)::integer END AS ahead
FROM job
LEFT JOIN conveyor.queues q ON q.name = job.queue
LEFT JOIN conveyor.queue_groups g ON g.queue = job.queue AND g.group_key = job.group_key;
