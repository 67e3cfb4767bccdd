-- notifyPreferenceSetMany: upserts preference rows in one statement.
-- $1 rows (json array of { tenant_id, user_id, type, channel, enabled, mandatory }), $2 now.
INSERT INTO conveyor.notify_preferences AS p (tenant_id, user_id, type, channel, enabled, mandatory, updated_at)
SELECT r.tenant_id, r.user_id, r.type, r.channel, r.enabled, COALESCE(r.mandatory, false), $2::timestamptz
FROM json_to_recordset($1::json) AS r(tenant_id text, user_id text, type text, channel text,
  enabled boolean, mandatory boolean)
ON CONFLICT (tenant_id, user_id, type, channel) DO UPDATE SET
  enabled = EXCLUDED.enabled, mandatory = EXCLUDED.mandatory, updated_at = EXCLUDED.updated_at;
