-- apiTenantUsage: per tenant, within a scope: live jobs by state, and over the window the attempts
-- finished, failed, their mean and p95 wait (due → start) and mean run time.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz).
WITH live AS (
  SELECT tenant_id,
    count(*) FILTER (WHERE state = 'scheduled')::integer AS scheduled,
    count(*) FILTER (WHERE state = 'ready')::integer AS ready,
    count(*) FILTER (WHERE state = 'active')::integer AS active,
    count(*) FILTER (WHERE state = 'dead')::integer AS dead
  FROM conveyor.jobs
  WHERE tenant_id IS NOT NULL AND ($1::text IS NULL OR tenant_id = $1::text)
  GROUP BY tenant_id
),
runs AS (
  SELECT tenant_id,
    count(*) FILTER (WHERE status = 'completed')::integer AS completed,
    count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled'))::integer AS failed,
    avg(wait_ms)::float8 AS mean_wait_ms,
    (percentile_cont(0.95) WITHIN GROUP (ORDER BY wait_ms))::float8 AS p95_wait_ms,
    avg(duration_ms)::float8 AS mean_duration_ms
  FROM conveyor.job_runs
  WHERE tenant_id IS NOT NULL AND ($1::text IS NULL OR tenant_id = $1::text)
    AND finished_at >= $2::timestamptz AND finished_at < $3::timestamptz
  GROUP BY tenant_id
)
SELECT COALESCE(l.tenant_id, r.tenant_id) AS tenant_id,
  COALESCE(l.scheduled, 0) AS scheduled, COALESCE(l.ready, 0) AS ready, COALESCE(l.active, 0) AS active,
  COALESCE(l.dead, 0) AS dead, COALESCE(r.completed, 0) AS completed, COALESCE(r.failed, 0) AS failed,
  r.mean_wait_ms, r.p95_wait_ms, r.mean_duration_ms
FROM live l FULL JOIN runs r ON r.tenant_id = l.tenant_id
ORDER BY 1;
