-- eventListSince: a stream's events after a sequence, oldest first, at most $3, with the stream's
-- last and pruned positions so the caller can tell whether the list is complete. No row at all
-- when the stream has never had an event.
-- $1 stream, $2 after sequence (bigint), $3 limit (integer).
SELECT s.last_sequence::text AS last_sequence, s.pruned_sequence::text AS pruned_sequence,
  e.sequence::text AS sequence, e.id::text AS id, e.stream, e.type, e.schema_version, e.source,
  e.tenant_id, e.correlation_id, e.causation_id, e.occurred_at, e.payload
FROM conveyor.event_streams s
LEFT JOIN LATERAL (
  SELECT * FROM conveyor.events e
  WHERE e.stream = s.stream AND e.sequence > $2::bigint
  ORDER BY e.sequence LIMIT $3::integer
) e ON true
WHERE s.stream = $1::text
ORDER BY e.sequence;
