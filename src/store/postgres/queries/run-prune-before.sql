-- runPruneBefore: deletes up to $2 run rows of any queue and status finished before $1: the overall
-- history age limit, which also covers queues no running process has registered. Reads
-- job_runs_finished_idx; the caller repeats it until a batch comes back short. Rows are deleted by
-- primary key (a join let the planner hash a sequential scan of the table).
-- $1 finished before (timestamptz), $2 limit (integer).
WITH doomed AS (
  SELECT id FROM conveyor.job_runs WHERE finished_at < $1::timestamptz
  ORDER BY finished_at LIMIT $2::integer
),
deleted AS (
  DELETE FROM conveyor.job_runs r WHERE r.id = ANY (ARRAY(SELECT id FROM doomed)) RETURNING r.id
)
SELECT count(*)::integer AS deleted FROM deleted;
