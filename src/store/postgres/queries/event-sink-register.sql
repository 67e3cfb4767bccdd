-- eventSinkRegister: makes a fan-out sink known. The first time a sink is seen it starts at the
-- current end of every existing stream (a new Redis sink does not replay history); afterwards its
-- positions are its own, and a stream created later starts at 0 for it.
-- $1 sink name, $2 now.
WITH fresh AS (
  INSERT INTO conveyor.event_sinks (name, created_at) VALUES ($1::text, $2::timestamptz)
  ON CONFLICT (name) DO NOTHING
  RETURNING name
)
INSERT INTO conveyor.event_fanout_positions (sink, stream, sequence)
SELECT f.name, s.stream, s.last_sequence FROM fresh f CROSS JOIN conveyor.event_streams s
ON CONFLICT (sink, stream) DO NOTHING;
