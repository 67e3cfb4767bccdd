-- apiStreamStart: where a stream's change feed starts: the highest history row and job ids now
-- (primary key ends, no scan).
SELECT COALESCE((SELECT max(id) FROM conveyor.job_runs), 0)::bigint AS run_cursor,
  COALESCE((SELECT max(id) FROM conveyor.jobs), 0)::bigint AS job_cursor;
