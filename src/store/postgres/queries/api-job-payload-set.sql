-- apiJobPayloadSet: replaces the payload of a job that is not running or finished (scheduled,
-- ready, dead or cancelled; by id, within a scope). $1 scope tenant (text, NULL: every tenant),
-- $2 id (text), $3 payload (jsonb). Returns the payload before and after; no row when not changed.
WITH target AS (
  SELECT id, payload AS before FROM conveyor.jobs
  WHERE id = $2::bigint AND state IN ('scheduled', 'ready', 'dead', 'cancelled')
    AND ($1::text IS NULL OR tenant_id = $1::text)
  FOR UPDATE
)
UPDATE conveyor.jobs j SET payload = $3::jsonb
FROM target t WHERE j.id = t.id
RETURNING j.id::text AS id, t.before, j.payload AS after;
