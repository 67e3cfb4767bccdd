-- apiAuditList: audit entries newest first, within a scope. $1 scope tenant (text, NULL: every
-- tenant), $2 action (or NULL), $3 before id (cursor, text or NULL), $4 limit.
SELECT id::text AS id, at, actor, role, tenant_id, action, target, before, after, ip
FROM conveyor.audit_log a
WHERE ($1::text IS NULL OR tenant_id = $1::text)
  AND ($2::text IS NULL OR action = $2::text)
  AND ($3::text IS NULL OR id < $3::bigint)
ORDER BY a.id DESC
LIMIT $4::integer;
