-- notifyWebhookEndpointUpdate: an operator re-enables an endpoint (clearing its failure clock)
-- and/or replaces its secrets (rotation: the new key first, the old one kept until receivers move).
-- $1 tenant id, $2 id (uuid), $3 enable (boolean or NULL: unchanged), $4 secrets (text[] or NULL).
UPDATE conveyor.notify_webhook_endpoints SET
  enabled = COALESCE($3, enabled),
  failing_since = CASE WHEN $3 THEN NULL ELSE failing_since END,
  disabled_at = CASE WHEN $3 THEN NULL ELSE disabled_at END,
  secrets = COALESCE($4::text[], secrets)
WHERE tenant_id = $1 AND id = $2::uuid
RETURNING id::text AS id, tenant_id, url, types, enabled, failing_since, disabled_at, created_at;
