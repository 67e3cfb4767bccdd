-- eventSinkRegister: makes a fan-out sink known. The first time a sink is seen it starts near the
-- current end of every existing stream: it gets the events of the last minute ($3 seconds before
-- $2), not the whole retained history (a Redis sink added to a running system must not replay a
-- week to every gateway), and not nothing (events published while the relay first started must
-- not be skipped). Afterwards its positions are its own, and a stream created later starts at 0.
-- $1 sink name, $2 now (timestamptz), $3 look-back (seconds, integer).
WITH fresh AS (
  INSERT INTO conveyor.event_sinks (name, created_at) VALUES ($1::text, $2::timestamptz)
  ON CONFLICT (name) DO NOTHING
  RETURNING name
)
INSERT INTO conveyor.event_fanout_positions (sink, stream, sequence)
SELECT f.name, s.stream,
  COALESCE(
    (SELECT min(e.sequence) - 1 FROM conveyor.events e
     WHERE e.stream = s.stream AND e.occurred_at >= $2::timestamptz - make_interval(secs => $3::integer)),
    s.last_sequence)
FROM fresh f CROSS JOIN conveyor.event_streams s
ON CONFLICT (sink, stream) DO NOTHING;
