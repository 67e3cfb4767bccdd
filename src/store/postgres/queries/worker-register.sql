-- workerRegister: records a worker process and its lease.
-- $1 id, $2 host, $3 pid, $4 queues (text[]), $5 now (timestamptz), $6 lease (ms, integer),
-- $7 started through (bigint): the worker's start record (queries/worker-declare-started.sql), kept
-- when it registers again after its lease expired; $8 the job names it runs (text[] or NULL: not
-- recorded), which "why is this job waiting?" reads (api-job-waiting.sql).
INSERT INTO conveyor.workers (id, host, pid, queues, started_at, last_seen_at, expires_at, started_seq, names)
VALUES ($1::text, $2::text, $3::integer, $4::text[], $5::timestamptz, $5::timestamptz,
        $5::timestamptz + make_interval(secs => $6::integer / 1000.0), $7::bigint, $8::text[])
ON CONFLICT (id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, expires_at = EXCLUDED.expires_at, names = EXCLUDED.names,
  started_seq = GREATEST(conveyor.workers.started_seq, EXCLUDED.started_seq);
