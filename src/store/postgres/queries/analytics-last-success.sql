-- analyticsLastSuccess: the newest completed attempt of each named job (absent when none is
-- retained). Reads job_runs_name_finished_idx backwards, one probe per name.
-- $1 names (text[]).
SELECT n.name, r.finished_at
FROM unnest($1::text[]) AS n(name)
CROSS JOIN LATERAL (
  SELECT finished_at FROM conveyor.job_runs
  WHERE name = n.name AND status = 'completed'
  ORDER BY finished_at DESC LIMIT 1
) r;
