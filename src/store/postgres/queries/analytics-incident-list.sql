-- analyticsIncidentList: incidents, newest first: open ones only, or all opened since $2.
-- $1 open only (boolean), $2 since (timestamptz or NULL), $3 limit (integer).
SELECT id::text AS id, rule, kind, subject, severity, message, details, opened_at, resolved_at
FROM conveyor.alert_incidents
WHERE (NOT $1::boolean OR resolved_at IS NULL)
  AND ($2::timestamptz IS NULL OR opened_at >= $2::timestamptz)
ORDER BY opened_at DESC, id DESC
LIMIT $3::integer;
