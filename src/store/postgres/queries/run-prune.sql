-- runPrune: deletes up to $4 run rows of a queue, with a status in $5, beyond the newest $2 or
-- finished before $3. Each status is read on its own range of job_runs_queue_status_idx, in index
-- order, so a batch costs about keep + limit index entries whatever the table's size (ordered over
-- all statuses at once, with an id tie-break the index lacks, the planner sorted a sequential scan
-- of the table: 34 ms per batch of 1,000 at 50k rows, growing with the table). Rows are deleted by
-- primary key.
-- Rows finished at or after $6 are neither deleted nor counted among the newest: the overview
-- rollup may still read them (maintenance/overview-rollup.ts, runsFinalBefore), so the count rule
-- keeps the newest $2 of the rows before $6, on top of those.
-- $1 queue (text), $2 keep count (integer or NULL), $3 finished before (timestamptz or NULL), $4 limit,
-- $5 statuses (text[]), $6 keep from (timestamptz or NULL: no such bound).
WITH newest AS (
  SELECT r.id, r.finished_at FROM unnest($5::text[]) AS s(status)
  CROSS JOIN LATERAL (
    SELECT id, finished_at FROM conveyor.job_runs
    WHERE queue = $1::text AND status = s.status AND $2::integer IS NOT NULL
      AND finished_at < COALESCE($6::timestamptz, 'infinity')
    ORDER BY finished_at DESC
    LIMIT COALESCE($2::integer, 0) + $4::integer
  ) r
),
beyond_count AS (
  SELECT id FROM newest ORDER BY finished_at DESC OFFSET COALESCE($2::integer, 0) LIMIT $4::integer
),
too_old AS (
  SELECT r.id FROM unnest($5::text[]) AS s(status)
  CROSS JOIN LATERAL (
    SELECT id FROM conveyor.job_runs
    WHERE queue = $1::text AND status = s.status
      AND finished_at < $3::timestamptz AND finished_at < COALESCE($6::timestamptz, 'infinity')
    ORDER BY finished_at
    LIMIT $4::integer
  ) r
),
doomed AS (
  SELECT id FROM beyond_count UNION SELECT id FROM too_old LIMIT $4::integer
),
deleted AS (
  DELETE FROM conveyor.job_runs r WHERE r.id = ANY (ARRAY(SELECT id FROM doomed)) RETURNING r.id
)
SELECT count(*)::integer AS deleted FROM deleted;
