-- apiBulkGet: one bulk action by id, within a scope. $1 scope tenant (text, NULL: every tenant), $2 id.
SELECT id::text AS id, tenant_id, action, filter, status, total, processed, affected, error, created_by,
  created_at, finished_at
FROM conveyor.bulk_actions
WHERE id = $2::bigint AND ($1::text IS NULL OR tenant_id IS NOT DISTINCT FROM $1::text);
