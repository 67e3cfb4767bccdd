-- notifyWebhookDeliveryList: an endpoint's delivery log, newest first.
-- $1 tenant id, $2 endpoint id (uuid), $3 limit.
SELECT message_id, attempt, status, error, duration_ms, attempted_at
FROM conveyor.notify_webhook_deliveries
WHERE tenant_id = $1 AND endpoint_id = $2::uuid
ORDER BY attempted_at DESC, id DESC
LIMIT $3;
