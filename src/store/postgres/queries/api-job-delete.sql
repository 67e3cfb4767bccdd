-- apiJobDelete: deletes jobs that are not running (by id, within a scope) and their run history; a
-- completed job (history only) loses its run rows. An active job is left alone: cancel it first.
-- $1 scope tenant (text, NULL: every tenant), $2 ids (text[]). Returns the ids deleted.
WITH deleted AS (
  DELETE FROM conveyor.jobs
  WHERE id = ANY($2::bigint[]) AND state <> 'active' AND ($1::text IS NULL OR tenant_id = $1::text)
  RETURNING id, unique_key
),
released AS (
  DELETE FROM conveyor.job_keys k USING deleted d WHERE k.key = d.unique_key AND k.job_id = d.id
),
history AS (
  DELETE FROM conveyor.job_runs r
  WHERE r.job_id = ANY($2::bigint[]) AND ($1::text IS NULL OR r.tenant_id = $1::text)
    AND NOT EXISTS (SELECT 1 FROM conveyor.jobs j WHERE j.id = r.job_id AND j.state = 'active')
  RETURNING r.job_id
)
SELECT id::text AS id FROM deleted
UNION
SELECT job_id::text FROM history WHERE job_id NOT IN (SELECT id FROM deleted);
