-- eventFanoutAdvance: records that a sink delivered each stream up to a sequence (after its
-- deliver resolved); positions only move forward.
-- $1 sink name, $2 positions (json array of { stream, sequence }).
INSERT INTO conveyor.event_fanout_positions AS p (sink, stream, sequence)
SELECT $1::text, a.stream, a.sequence
FROM json_to_recordset($2::json) AS a(stream text, sequence bigint)
ORDER BY a.stream
ON CONFLICT (sink, stream) DO UPDATE SET sequence = GREATEST(p.sequence, EXCLUDED.sequence);
