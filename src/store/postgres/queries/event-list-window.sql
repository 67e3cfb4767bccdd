-- eventListWindow: a stream's events that occurred in [$2, $3) and whose type matches the LIKE
-- pattern $4, after sequence $5, oldest first, at most $6 (replay pages through it).
-- $1 stream, $2 since, $3 until (timestamptz), $4 LIKE pattern, $5 after sequence, $6 limit.
SELECT e.stream, e.sequence::text AS sequence, e.id::text AS id, e.type, e.schema_version, e.source,
  e.tenant_id, e.correlation_id, e.causation_id, e.occurred_at, e.payload
FROM conveyor.events e
WHERE e.stream = $1::text AND e.sequence > $5::bigint
  AND e.occurred_at >= $2::timestamptz AND e.occurred_at < $3::timestamptz
  AND e.type LIKE $4::text
ORDER BY e.sequence
LIMIT $6::integer;
