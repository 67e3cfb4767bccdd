-- notifyWebhookEndpointGet: one endpoint of a tenant, with its secrets (for signing only).
-- $1 tenant id, $2 id (uuid).
SELECT id::text AS id, tenant_id, url, secrets, types, enabled, failing_since, disabled_at, created_at
FROM conveyor.notify_webhook_endpoints
WHERE tenant_id = $1 AND id = $2::uuid;
