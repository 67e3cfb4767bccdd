-- eventDispatch (first statement, in the transaction that inserts the subscribers' jobs): moves
-- each stream's dispatched position from what the relay read to the last event it made jobs for,
-- only if nobody moved it meanwhile (another relay during a leadership change). The caller rolls
-- the transaction back unless every stream moved, so jobs and positions commit together.
-- $1 advances (json array of { stream, from_sequence, to_sequence }).
UPDATE conveyor.event_streams s
SET dispatched_sequence = a.to_sequence
FROM json_to_recordset($1::json) AS a(stream text, from_sequence bigint, to_sequence bigint)
WHERE s.stream = a.stream AND s.dispatched_sequence = a.from_sequence
RETURNING s.stream;
