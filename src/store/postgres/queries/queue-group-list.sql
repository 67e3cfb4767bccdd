-- queueGroupList: the groups of a queue that have settings (paused, weighted or limited).
-- $1 queue (text).
SELECT queue, group_key, paused, concurrency, weight
FROM conveyor.queue_groups
WHERE queue = $1::text AND (paused OR concurrency IS NOT NULL OR weight <> 1)
ORDER BY group_key;
