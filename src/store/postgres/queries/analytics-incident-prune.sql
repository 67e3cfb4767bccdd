-- analyticsIncidentPrune: deletes up to $2 alert incidents resolved before $1 (the history age
-- limit); open incidents are kept however old. An incident resolved before $1 was opened before
-- it, so alert_incidents_opened_idx narrows the scan; the caller repeats until a batch comes back
-- short.
-- $1 resolved before (timestamptz), $2 limit (integer).
WITH doomed AS (
  SELECT id FROM conveyor.alert_incidents
  WHERE opened_at < $1::timestamptz AND resolved_at < $1::timestamptz
  ORDER BY opened_at LIMIT $2::integer
),
deleted AS (
  DELETE FROM conveyor.alert_incidents i WHERE i.id = ANY (ARRAY(SELECT id FROM doomed)) RETURNING i.id
)
SELECT count(*)::integer AS deleted FROM deleted;
