-- notifyWebhookEndpointList: a tenant's endpoints (without secrets).
-- $1 tenant id.
SELECT id::text AS id, tenant_id, url, types, enabled, failing_since, disabled_at, created_at
FROM conveyor.notify_webhook_endpoints
WHERE tenant_id = $1
ORDER BY created_at, id;
