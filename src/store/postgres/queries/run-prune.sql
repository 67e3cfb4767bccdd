-- runPrune: deletes up to $4 run rows of a queue, with a status in $5, beyond the newest $2 or
-- finished before $3. Reads job_runs_queue_status_idx.
-- $1 queue (text), $2 keep count (integer or NULL), $3 finished before (timestamptz or NULL), $4 limit,
-- $5 statuses (text[]).
WITH doomed AS (
  (SELECT id FROM conveyor.job_runs
   WHERE queue = $1::text AND status = ANY($5::text[]) AND $2::integer IS NOT NULL
   ORDER BY finished_at DESC, id DESC
   OFFSET COALESCE($2::integer, 0) LIMIT $4::integer)
  UNION
  (SELECT id FROM conveyor.job_runs
   WHERE queue = $1::text AND status = ANY($5::text[]) AND finished_at < $3::timestamptz
   LIMIT $4::integer)
),
deleted AS (
  DELETE FROM conveyor.job_runs r USING (SELECT id FROM doomed LIMIT $4::integer) d
  WHERE r.id = d.id
  RETURNING r.id
)
SELECT count(*)::integer AS deleted FROM deleted;
