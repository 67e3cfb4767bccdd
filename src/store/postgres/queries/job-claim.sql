-- jobClaim: moves up to $3 ready jobs of one queue to active for a worker, in priority then FIFO
-- order. Reads only jobs_ready_idx (queue, priority, id) WHERE state = 'ready', in its order;
-- SKIP LOCKED lets many workers claim at once without waiting on each other.
-- $1 queue (text), $2 worker id (text), $3 limit (integer), $4 now (timestamptz).
WITH picked AS (
  SELECT id FROM conveyor.jobs
  WHERE state = 'ready' AND queue = $1::text
  ORDER BY priority, id
  LIMIT $3::integer
  FOR UPDATE SKIP LOCKED
)
UPDATE conveyor.jobs j
SET state = 'active', attempt = j.attempt + 1, lease_owner = $2::text, started_at = $4::timestamptz
FROM picked
WHERE j.id = picked.id
RETURNING j.id::text AS id, j.queue, j.name, j.payload, j.priority, j.attempt, j.max_attempts, j.backoff,
  j.timeout_ms, j.tenant_id, j.group_key, j.metadata, j.created_at;
