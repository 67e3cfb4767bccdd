-- notifyHandledPrune: deletes up to $2 handled marks older than $1. Keep them longer than events
-- are retained (a replay of a still-stored event must find its mark). Returns how many were deleted.
-- $1 before (timestamptz), $2 limit.
WITH gone AS (
  DELETE FROM conveyor.notify_handled_events
  WHERE (rule_set, event_id) IN (
    SELECT rule_set, event_id FROM conveyor.notify_handled_events
    WHERE handled_at < $1::timestamptz
    LIMIT $2
  )
  RETURNING 1
)
SELECT count(*)::integer AS deleted FROM gone;
