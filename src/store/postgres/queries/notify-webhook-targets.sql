-- notifyFanout: the tenant's enabled webhook endpoints that take a type, when the tenant's webhook
-- preference for it is on (mandatory in code or on the tenant row, else the tenant row, else the
-- code's default). Webhooks are per tenant: one message per event and type, not per user.
-- $1 tenant id, $2 type, $3 webhook default (boolean), $4 mandatory in code (boolean).
SELECT e.id::text AS id
FROM conveyor.notify_webhook_endpoints e
WHERE e.tenant_id = $1 AND e.enabled AND (e.types IS NULL OR $2 = ANY (e.types))
  AND ($4 OR COALESCE((
    SELECT p.mandatory OR p.enabled FROM conveyor.notify_preferences p
    WHERE p.tenant_id = $1 AND p.user_id = '' AND p.type = $2 AND p.channel = 'webhook'), $3))
ORDER BY e.created_at, e.id;
