-- notifyWebhookEndpointCreate: a tenant's new webhook endpoint.
-- $1 id (uuid), $2 tenant id, $3 url, $4 secrets (text[]), $5 types (text[] or NULL), $6 now.
INSERT INTO conveyor.notify_webhook_endpoints (id, tenant_id, url, secrets, types, created_at)
VALUES ($1::uuid, $2, $3, $4::text[], $5::text[], $6::timestamptz)
RETURNING id::text AS id, tenant_id, url, types, enabled, failing_since, disabled_at, created_at;
