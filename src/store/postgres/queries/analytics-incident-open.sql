-- analyticsIncidentOpen: opens an incident for each firing subject of a rule that has none open;
-- returns only those this statement opened, so exactly one process delivers each (the unique
-- partial index on open incidents settles races between processes).
-- $1 incidents (jsonb array of {rule, kind, subject, severity, message, details}), $2 now (timestamptz).
INSERT INTO conveyor.alert_incidents (rule, kind, subject, severity, message, details, opened_at)
SELECT e->>'rule', e->>'kind', e->>'subject', e->>'severity', e->>'message', e->'details', $2::timestamptz
FROM jsonb_array_elements($1::jsonb) AS e
ON CONFLICT (rule, subject) WHERE resolved_at IS NULL DO NOTHING
RETURNING id::text AS id, rule, kind, subject, severity, message, details, opened_at, resolved_at;
