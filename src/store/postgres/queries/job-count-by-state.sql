-- jobCountByState: jobs per queue and state, with completed runs still retained in history.
-- $1 queue (text or NULL for all).
SELECT queue, state, count(*)::integer AS count FROM conveyor.jobs
WHERE $1::text IS NULL OR queue = $1::text
GROUP BY queue, state
UNION ALL
SELECT queue, 'completed', count(*)::integer FROM conveyor.job_runs
WHERE status = 'completed' AND ($1::text IS NULL OR queue = $1::text)
GROUP BY queue
ORDER BY 1, 2;
