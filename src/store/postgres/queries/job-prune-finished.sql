-- jobPruneFinished: deletes up to $4 dead or cancelled jobs of a queue that are beyond the newest
-- $2 or finished before $3. Reads jobs_finished_idx in index order (no tie-break on id, which the
-- index lacks: with it the planner sorted every finished job of the queue); costs one index probe
-- when nothing is due. Rows are deleted by primary key.
-- $1 queue (text), $2 keep count (integer or NULL), $3 finished before (timestamptz or NULL), $4 limit.
WITH doomed AS (
  (SELECT id FROM conveyor.jobs
   WHERE state IN ('dead', 'cancelled') AND queue = $1::text AND $2::integer IS NOT NULL
   ORDER BY finished_at DESC
   OFFSET COALESCE($2::integer, 0) LIMIT $4::integer)
  UNION
  (SELECT id FROM conveyor.jobs
   WHERE state IN ('dead', 'cancelled') AND queue = $1::text AND finished_at < $3::timestamptz
   LIMIT $4::integer)
),
deleted AS (
  DELETE FROM conveyor.jobs j
  WHERE j.id = ANY (ARRAY(SELECT id FROM doomed LIMIT $4::integer)) AND j.state IN ('dead', 'cancelled')
  RETURNING j.id
)
SELECT count(*)::integer AS deleted FROM deleted;
