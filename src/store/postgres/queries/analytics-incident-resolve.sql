-- analyticsIncidentResolve: resolves the open incidents of the given rules whose subject is no
-- longer firing; returns those this statement resolved (each is delivered once).
-- $1 rules (text[]), $2 firing (jsonb array of {rule, subject}), $3 now (timestamptz).
UPDATE conveyor.alert_incidents i SET resolved_at = $3::timestamptz
WHERE i.resolved_at IS NULL AND i.rule = ANY($1::text[])
  AND NOT EXISTS (
    SELECT 1 FROM jsonb_array_elements($2::jsonb) AS f
    WHERE f->>'rule' = i.rule AND f->>'subject' = i.subject
  )
RETURNING id::text AS id, rule, kind, subject, severity, message, details, opened_at, resolved_at;
