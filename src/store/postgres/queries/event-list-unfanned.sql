-- eventListUnfanned: the next committed events a fan-out sink has not delivered, oldest first per
-- stream: up to $3 events of each of up to $2 streams past the sink's position. A stream without a
-- position row for the sink starts at 0 (see event-sink-register.sql).
-- $1 sink name, $2 streams (integer), $3 events per stream (integer).
SELECT e.stream, e.sequence::text AS sequence, e.id::text AS id, e.type, e.schema_version, e.source,
  e.tenant_id, e.correlation_id, e.causation_id, e.occurred_at, e.payload
FROM (
  SELECT s.stream, COALESCE(p.sequence, 0) AS position
  FROM conveyor.event_streams s
  LEFT JOIN conveyor.event_fanout_positions p ON p.sink = $1::text AND p.stream = s.stream
  WHERE s.last_sequence > COALESCE(p.sequence, 0)
  ORDER BY s.stream LIMIT $2::integer
) s
CROSS JOIN LATERAL (
  SELECT * FROM conveyor.events e
  WHERE e.stream = s.stream AND e.sequence > s.position
  ORDER BY e.sequence LIMIT $3::integer
) e
ORDER BY e.stream, e.sequence;
