-- jobCompleteMany: completes a batch of active jobs in one statement (D5.3): deletes them from
-- jobs, releases their while-unfinished unique keys, and writes one completed run row each —
-- unless the item says record: false (a queue that keeps no completed history), which makes a
-- completion a bare delete.
-- $1 items (json array of {id, result, started_ms, finished_ms, record?, cpu_ms, heap_delta,
-- rss_delta}); times are epoch milliseconds: a completion carries hundreds of items, and a number
-- costs less to write and to read than an ISO timestamp (0.4 µs per timestamp parse here). The
-- items are read with a column list (as job-insert-many does), each parsed once into typed
-- columns: a 250-item completion went from 5.35–5.46 to 4.70–5.01 ms in two interleaved A/Bs. A
-- JSON null result becomes SQL NULL, which is what the run row keeps for it.
-- $2 worker id (text), $3 wake-up channel (text). The worker's host comes from its lease row (one
-- probe). Returns one row, `missed`: the ids of items not completed (see the end).
-- Only jobs still active under this worker's lease are completed: one cancelled meanwhile, or
-- rescued after a lost lease (and perhaps running elsewhere now), is left alone.
WITH input AS (
  SELECT r.id, r.result, to_timestamp(r.started_ms / 1000) AS started_at,
         to_timestamp(r.finished_ms / 1000) AS finished_at, COALESCE(r.record, true) AS record,
         r.cpu_ms, r.heap_delta, r.rss_delta
  FROM json_to_recordset($1::json) AS r(id bigint, result jsonb, started_ms float8, finished_ms float8,
    record boolean, cpu_ms float8, heap_delta bigint, rss_delta bigint)
),
-- The rows are found by primary key (ids as an array), never through jobs_active_idx: statistics
-- taken while most jobs were ready say almost none are active, so the planner would scan that
-- partial index, whose dead entries (every job completed since the last vacuum) it cannot see,
-- and filter by id: 100 ms per batch in a 100k drain after ANALYZE, 3.2 s for 943 items once
-- when joined to the input. `(state = 'active') IS TRUE` keeps the same meaning but does not
-- match the index predicate, so that index is not a candidate.
done AS (
  DELETE FROM conveyor.jobs j
  WHERE j.id = ANY (ARRAY(SELECT id FROM input)) AND (j.state = 'active') IS TRUE AND j.lease_owner = $2::text
  RETURNING j.id, j.queue, j.name, j.tenant_id, j.group_key, j.attempt, j.payload, j.unique_key,
    j.created_at, j.metadata, j.run_at
),
released AS (
  DELETE FROM conveyor.job_keys k USING done d
  WHERE k.key = d.unique_key AND k.job_id = d.id AND k.expires_at IS NULL
),
runs AS (
  INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, group_key, attempt, status, payload, result,
    enqueued_at, started_at, finished_at, worker_id, metadata, worker_host, due_at, cpu_ms, heap_delta_bytes,
    rss_delta_bytes)
  SELECT d.id, d.queue, d.name, d.tenant_id, d.group_key, d.attempt, 'completed', d.payload,
    i.result, d.created_at, i.started_at, i.finished_at, $2::text, d.metadata,
    (SELECT w.host FROM conveyor.workers w WHERE w.id = $2::text), d.run_at, i.cpu_ms, i.heap_delta, i.rss_delta
  FROM done d JOIN input i ON i.id = d.id
  WHERE i.record
),
-- A finished job frees a slot of a queue with concurrency limits: every worker process is woken,
-- not only this one, so the slot goes to whichever claims first (the process that freed it would
-- otherwise take every slot back before another process's poll came round).
freed AS (
  SELECT pg_notify($3::text, q.name) FROM conveyor.queues q
  WHERE q.name IN (SELECT DISTINCT queue FROM done)
    AND (q.global_concurrency IS NOT NULL OR q.group_concurrency IS NOT NULL OR q.has_group_rules)
)
-- One row: the input ids NOT completed (comma-separated; '' when every item was), not a row per
-- completed job. A batch is almost always completed whole, and parsing a row per job was a measured
-- part of the worker's CPU (pg's row parsing and string decoding were ~3.7 µs of the client's
-- ~19 µs per job in a 30k drain, claim rows included). The row is always produced, so `freed` is
-- always evaluated (a SELECT CTE runs only when referenced).
SELECT array_to_string(ARRAY(SELECT i.id FROM input i WHERE i.id NOT IN (SELECT d.id FROM done d)), ',') AS missed,
  (SELECT count(*) FROM freed)::integer AS woken;
