-- overviewRollupFirstMinute: where the first rollup pass starts: the minute of the oldest finished
-- attempt in the run history (NULL: no history). Read once, before the first pass. No parameters.
SELECT date_bin('1 minute', min(finished_at), timestamptz 'epoch') AS minute FROM conveyor.job_runs;
