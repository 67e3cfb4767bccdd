-- apiTenantGroups: the group settings of tenants (a tenant's group key is its id): per queue,
-- paused, concurrency override and round-robin weight; only groups with settings of their own.
-- $1 scope tenant (text, NULL: every tenant).
SELECT group_key AS tenant_id, queue, paused, concurrency, weight
FROM conveyor.queue_groups
WHERE group_key <> '' AND ($1::text IS NULL OR group_key = $1::text)
  AND (paused OR concurrency IS NOT NULL OR weight <> 1)
ORDER BY group_key, queue;
