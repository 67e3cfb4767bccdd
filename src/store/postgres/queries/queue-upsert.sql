-- queueUpsert: creates or changes a queue's settings; only the fields present in $2 change, and a
-- field given as null clears that limit. A change that may free work (resume, higher limits)
-- wakes the queue's workers.
-- $1 name (text), $2 settings (jsonb: paused, priority, global_concurrency, group_concurrency,
--    rate_limit, rate_interval_ms, group_rate_limit, group_rate_interval_ms, aging_ms),
-- $3 now (timestamptz), $4 wake-up channel (text).
WITH upserted AS (
  INSERT INTO conveyor.queues AS q (name, paused, priority, global_concurrency, group_concurrency, rate_limit,
    rate_interval_ms, group_rate_limit, group_rate_interval_ms, aging_ms, updated_at)
  VALUES ($1::text,
    COALESCE(($2::jsonb->>'paused')::boolean, false),
    COALESCE(($2::jsonb->>'priority')::integer, 0),
    ($2::jsonb->>'global_concurrency')::integer,
    ($2::jsonb->>'group_concurrency')::integer,
    ($2::jsonb->>'rate_limit')::integer,
    ($2::jsonb->>'rate_interval_ms')::integer,
    ($2::jsonb->>'group_rate_limit')::integer,
    ($2::jsonb->>'group_rate_interval_ms')::integer,
    COALESCE(($2::jsonb->>'aging_ms')::bigint, 60000),
    $3::timestamptz)
  ON CONFLICT (name) DO UPDATE SET
    paused = CASE WHEN $2::jsonb ? 'paused' THEN EXCLUDED.paused ELSE q.paused END,
    priority = CASE WHEN $2::jsonb ? 'priority' THEN EXCLUDED.priority ELSE q.priority END,
    global_concurrency = CASE WHEN $2::jsonb ? 'global_concurrency' THEN EXCLUDED.global_concurrency ELSE q.global_concurrency END,
    group_concurrency = CASE WHEN $2::jsonb ? 'group_concurrency' THEN EXCLUDED.group_concurrency ELSE q.group_concurrency END,
    rate_limit = CASE WHEN $2::jsonb ? 'rate_limit' THEN EXCLUDED.rate_limit ELSE q.rate_limit END,
    rate_interval_ms = CASE WHEN $2::jsonb ? 'rate_interval_ms' THEN EXCLUDED.rate_interval_ms ELSE q.rate_interval_ms END,
    group_rate_limit = CASE WHEN $2::jsonb ? 'group_rate_limit' THEN EXCLUDED.group_rate_limit ELSE q.group_rate_limit END,
    group_rate_interval_ms = CASE WHEN $2::jsonb ? 'group_rate_interval_ms' THEN EXCLUDED.group_rate_interval_ms
      ELSE q.group_rate_interval_ms END,
    aging_ms = CASE WHEN $2::jsonb ? 'aging_ms' THEN EXCLUDED.aging_ms ELSE q.aging_ms END,
    updated_at = EXCLUDED.updated_at
  RETURNING name
),
woken AS (
  SELECT pg_notify($4::text, name) FROM upserted
)
SELECT name, (SELECT count(*) FROM woken)::integer AS woken FROM upserted;
