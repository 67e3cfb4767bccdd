-- eventListUndispatched: the next events durable subscribers have no jobs for yet, oldest first
-- per stream: up to $2 events of each of up to $1 streams with undispatched events (found through
-- event_streams_undispatched_idx). `from_sequence` is the stream's dispatched position, which
-- eventDispatch checks before it moves it.
-- $1 streams (integer), $2 events per stream (integer).
SELECT e.stream, e.sequence::text AS sequence, e.id::text AS id, e.type, e.schema_version, e.source,
  e.tenant_id, e.correlation_id, e.causation_id, e.occurred_at, e.payload,
  s.dispatched_sequence::text AS from_sequence
FROM (
  SELECT stream, dispatched_sequence FROM conveyor.event_streams
  WHERE last_sequence > dispatched_sequence
  ORDER BY stream LIMIT $1::integer
) s
CROSS JOIN LATERAL (
  SELECT * FROM conveyor.events e
  WHERE e.stream = s.stream AND e.sequence > s.dispatched_sequence
  ORDER BY e.sequence LIMIT $2::integer
) e
ORDER BY e.stream, e.sequence;
