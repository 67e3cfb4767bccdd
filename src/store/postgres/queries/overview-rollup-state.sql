-- overviewRollupState: what the overview decides its reads on: the rollup's watermark, when the
-- counts snapshot was taken, how long it may be read and when an overview last asked for one, and the planner's row estimates of jobs and job_runs (pg_class.reltuples:
-- −1 or 0 until the table was first vacuumed or analysed). No parameters.
SELECT s.rolled_until, s.counts_as_of, s.counts_fresh_ms, s.counts_wanted_at,
  (SELECT reltuples FROM pg_class WHERE oid = 'conveyor.jobs'::regclass)::float8 AS jobs_estimate,
  (SELECT reltuples FROM pg_class WHERE oid = 'conveyor.job_runs'::regclass)::float8 AS runs_estimate
FROM conveyor.overview_rollup_state s;
