-- queueList: stored queue settings, by name.
-- $1 names (text[] or NULL for all).
SELECT name, paused, priority, global_concurrency, group_concurrency, rate_limit, rate_interval_ms,
  group_rate_limit, group_rate_interval_ms, aging_ms, has_group_rules
FROM conveyor.queues
WHERE $1::text[] IS NULL OR name = ANY($1::text[])
ORDER BY name;
