-- notifyWebhookDeliveryRecord: logs one attempt and moves the endpoint's failure clock: a success
-- clears it; a failure starts it (if not running) and disables the endpoint once it has run for
-- $9 milliseconds. Returns the endpoint's state after.
-- $1 endpoint id (uuid), $2 tenant id, $3 message id, $4 attempt, $5 status (integer or NULL),
-- $6 error (text or NULL), $7 duration ms, $8 now, $9 disable after ms, $10 ok (boolean).
WITH logged AS (
  INSERT INTO conveyor.notify_webhook_deliveries (endpoint_id, tenant_id, message_id, attempt, status,
    error, duration_ms, attempted_at)
  VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::timestamptz)
)
UPDATE conveyor.notify_webhook_endpoints SET
  failing_since = CASE WHEN $10 THEN NULL ELSE COALESCE(failing_since, $8::timestamptz) END,
  enabled = CASE
    WHEN $10 THEN enabled
    WHEN $8::timestamptz - COALESCE(failing_since, $8::timestamptz) >= make_interval(secs => $9::double precision / 1000)
      THEN false
    ELSE enabled END,
  disabled_at = CASE
    WHEN NOT $10 AND disabled_at IS NULL
      AND $8::timestamptz - COALESCE(failing_since, $8::timestamptz) >= make_interval(secs => $9::double precision / 1000)
      THEN $8::timestamptz
    ELSE disabled_at END
WHERE tenant_id = $2 AND id = $1::uuid
RETURNING enabled, failing_since, disabled_at;
