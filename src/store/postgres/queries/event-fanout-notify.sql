-- eventFanoutNotify: tells every process that a local fan-out delivered events (LocalEventFanout):
-- the payload names stream ranges, never the events themselves (NOTIFY payloads stop at 8,000
-- bytes), and each listener reads the events it wants from the outbox.
-- $1 channel (text), $2 payload (text, under 8,000 bytes).
SELECT pg_notify($1::text, $2::text) IS NULL AS sent;
