-- apiKeyInsert: stores a new API key (its secret's sha256 only). $1 id, $2 name, $3 secret hash
-- (bytea), $4 role, $5 tenant id (or NULL: every tenant), $6 now.
INSERT INTO conveyor.api_keys (id, name, secret_hash, role, tenant_id, created_at)
VALUES ($1::text, $2::text, $3::bytea, $4::text, $5::text, $6::timestamptz)
RETURNING id, name, role, tenant_id, created_at, revoked_at;
