-- apiKeyGet: one API key by id, with its secret's hash (to check a presented key). $1 id.
SELECT id, name, secret_hash, role, tenant_id, created_at, revoked_at FROM conveyor.api_keys WHERE id = $1::text;
