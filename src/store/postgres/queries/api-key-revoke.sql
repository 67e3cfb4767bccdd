-- apiKeyRevoke: revokes an API key (kept for the audit trail). $1 id, $2 now. No row: no such key
-- or already revoked.
UPDATE conveyor.api_keys SET revoked_at = $2::timestamptz
WHERE id = $1::text AND revoked_at IS NULL
RETURNING id, name, role, tenant_id, created_at, revoked_at;
