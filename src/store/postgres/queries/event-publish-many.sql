-- eventPublishMany: appends a batch of events to their streams' outbox in one statement, inside
-- whatever transaction runs it (the caller's, for a transactional publish). Each stream's numbers
-- are taken by adding the batch's count to its last_sequence: the row lock this takes is held until
-- commit, so a concurrent publisher of the same stream waits, and sequences are gap-free in commit
-- order (a rollback gives them back). Streams are locked in key order, so two batches touching the
-- same streams cannot deadlock. One NOTIFY per statement wakes the relay (sent at commit).
-- $1 events (json array of { id, stream, type, schema_version, source, tenant_id, correlation_id,
-- causation_id, occurred_at, payload }), $2 relay channel (text).
-- Returns one row per event, in input order: id, stream, sequence (text: bigint).
WITH input AS (
  SELECT r.*
  FROM ROWS FROM (json_to_recordset($1::json) AS (id uuid, stream text, type text, schema_version integer,
    source text, tenant_id text, correlation_id text, causation_id text, occurred_at timestamptz,
    payload jsonb)) WITH ORDINALITY
    AS r(id, stream, type, schema_version, source, tenant_id, correlation_id, causation_id, occurred_at,
      payload, ord)
),
counts AS (
  SELECT stream, count(*)::bigint AS n FROM input GROUP BY stream
),
taken AS (
  INSERT INTO conveyor.event_streams AS s (stream, last_sequence)
  SELECT stream, n FROM counts ORDER BY stream
  ON CONFLICT (stream) DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence
  RETURNING s.stream, s.last_sequence
),
numbered AS (
  SELECT i.*, t.last_sequence - c.n + row_number() OVER (PARTITION BY i.stream ORDER BY i.ord) AS sequence
  FROM input i JOIN taken t ON t.stream = i.stream JOIN counts c ON c.stream = i.stream
),
inserted AS (
  INSERT INTO conveyor.events (stream, sequence, id, type, schema_version, source, tenant_id, correlation_id,
    causation_id, occurred_at, payload)
  SELECT stream, sequence, id, type, schema_version, source, tenant_id, correlation_id, causation_id,
    occurred_at, COALESCE(payload, 'null'::jsonb)
  FROM numbered
  RETURNING id
)
SELECT n.id::text AS id, n.stream, n.sequence::text AS sequence,
  (SELECT count(*) FROM inserted) AS written,
  (SELECT count(pg_notify($2::text, '')))::integer AS woken
FROM numbered n
ORDER BY n.ord;
