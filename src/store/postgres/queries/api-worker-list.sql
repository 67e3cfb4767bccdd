-- apiWorkerList: registered workers with their lease, queues and the jobs they hold now; a scoped
-- caller sees only its tenant's jobs among them. $1 scope tenant (text, NULL: every tenant).
SELECT w.id, w.host, w.pid, w.queues, w.started_at, w.last_seen_at, w.expires_at,
  COALESCE((SELECT json_agg(json_build_object('id', j.id::text, 'name', j.name, 'queue', j.queue,
      'tenantId', j.tenant_id, 'startedAt', j.started_at) ORDER BY j.id)
    FROM conveyor.jobs j
    WHERE j.lease_owner = w.id AND j.state = 'active' AND ($1::text IS NULL OR j.tenant_id = $1::text)),
    '[]'::json) AS jobs
FROM conveyor.workers w
ORDER BY w.host, w.id;
