-- workerRegister: records a worker process and its lease.
-- $1 id, $2 host, $3 pid, $4 queues (text[]), $5 now (timestamptz), $6 lease (ms, integer).
INSERT INTO conveyor.workers (id, host, pid, queues, started_at, last_seen_at, expires_at)
VALUES ($1::text, $2::text, $3::integer, $4::text[], $5::timestamptz, $5::timestamptz,
        $5::timestamptz + make_interval(secs => $6::integer / 1000.0))
ON CONFLICT (id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, expires_at = EXCLUDED.expires_at;
