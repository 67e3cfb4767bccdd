-- workerDeclareStarted: records that the worker starts its buffered jobs numbered up to $2
-- (lease_seq ≤ started_seq), before it starts them, so that if it dies the rescuer charges an
-- attempt to those and not to the ones it never started (queries/job-rescue-expired.sql). Only
-- the commit's visibility matters, not its durability: it commits without waiting for its WAL
-- (as the claim does; after a server crash its jobs' claims may be gone too).
-- $1 id (text), $2 started through (bigint).
WITH durability AS MATERIALIZED (
  SELECT set_config('synchronous_commit', 'off', true)
)
UPDATE conveyor.workers SET started_seq = GREATEST(started_seq, $2::bigint)
WHERE id = $1::text AND EXISTS (SELECT 1 FROM durability)
RETURNING started_seq;
