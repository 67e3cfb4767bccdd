-- apiKeyList: API keys (never their hashes), newest first. $1 include revoked (boolean).
SELECT id, name, role, tenant_id, created_at, revoked_at FROM conveyor.api_keys
WHERE $1::boolean OR revoked_at IS NULL
ORDER BY created_at DESC, id;
