-- queueRateFreeAt: when the first start still counted against a rate limit of the queue, or of
-- one of its groups, leaves its sliding window (epoch ms), or NULL when none is counted. A worker
-- whose claim of a rate-limited queue came back short claims again then.
-- $1 queue (text), $2 now (timestamptz).
WITH q AS (
  SELECT rate_log_at, rate_interval_ms, group_rate_interval_ms, floor(extract(epoch FROM $2::timestamptz) * 1000)::bigint AS now_ms
  FROM conveyor.queues WHERE name = $1::text
)
SELECT LEAST(
  (SELECT min(l.at + q.rate_interval_ms) FROM q, unnest(q.rate_log_at) AS l(at)
   WHERE q.rate_interval_ms IS NOT NULL AND l.at > q.now_ms - q.rate_interval_ms),
  (SELECT min(l.at + q.group_rate_interval_ms) FROM q, conveyor.queue_groups g, unnest(g.rate_log_at) AS l(at)
   WHERE g.queue = $1::text AND q.group_rate_interval_ms IS NOT NULL AND l.at > q.now_ms - q.group_rate_interval_ms)
)::float8 AS free_ms;
