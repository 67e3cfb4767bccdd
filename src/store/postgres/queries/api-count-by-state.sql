-- apiCountByState: jobs per queue and state within a scope, with completed runs still retained.
-- $1 scope tenant (text, NULL: every tenant), $2 queue (text or NULL for all).
SELECT queue, state, count(*)::integer AS count FROM conveyor.jobs
WHERE ($1::text IS NULL OR tenant_id = $1::text) AND ($2::text IS NULL OR queue = $2::text)
GROUP BY queue, state
UNION ALL
SELECT queue, 'completed', count(*)::integer FROM conveyor.job_runs
WHERE status = 'completed' AND ($1::text IS NULL OR tenant_id = $1::text) AND ($2::text IS NULL OR queue = $2::text)
GROUP BY queue
ORDER BY 1, 2;
