-- notifyFanout, first statement: marks a rule set's event handled. No row back: it already was
-- (a retried or replayed delivery), and the fan-out writes nothing.
-- $1 rule set (text), $2 event id (uuid), $3 now (timestamptz).
INSERT INTO conveyor.notify_handled_events (rule_set, event_id, handled_at)
VALUES ($1, $2::uuid, $3::timestamptz)
ON CONFLICT DO NOTHING
RETURNING event_id;
