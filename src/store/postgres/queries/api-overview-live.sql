-- apiOverviewLive: jobs in the live table now, per queue, tenant and state, within a scope: one
-- scan, hashed (the caller folds the rows into queue, tenant and total counts). Completed jobs are
-- not in the live table; the overview counts the attempts completed in its window instead.
-- $1 scope tenant (text, NULL: every tenant), $2 queue, $3 tenant id (text, each NULL for any).
SELECT queue, tenant_id, state, count(*)::integer AS n
FROM conveyor.jobs
WHERE ($1::text IS NULL OR tenant_id = $1::text)
  AND ($2::text IS NULL OR queue = $2::text)
  AND ($3::text IS NULL OR tenant_id = $3::text)
GROUP BY queue, tenant_id, state;
