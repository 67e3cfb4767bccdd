-- eventPrune: deletes up to $2 events that occurred before $1 and whose durable subscribers have
-- their jobs (never an undispatched event), records per stream how far history may now have gaps
-- (pruned_sequence, read by EventHistory.since), and moves fan-out positions past what is gone (a
-- sink that was down longer than the retention cannot deliver it any more). The caller repeats it
-- until a batch comes back short.
-- $1 occurred before (timestamptz), $2 limit (integer).
WITH doomed AS (
  SELECT e.stream, e.sequence
  FROM conveyor.events e JOIN conveyor.event_streams s ON s.stream = e.stream
  WHERE e.occurred_at < $1::timestamptz AND e.sequence <= s.dispatched_sequence
  ORDER BY e.occurred_at LIMIT $2::integer
),
deleted AS (
  DELETE FROM conveyor.events e USING doomed d
  WHERE e.stream = d.stream AND e.sequence = d.sequence
  RETURNING e.stream, e.sequence
),
reach AS (
  SELECT stream, max(sequence) AS sequence FROM deleted GROUP BY stream
),
marked AS (
  UPDATE conveyor.event_streams s SET pruned_sequence = GREATEST(s.pruned_sequence, r.sequence)
  FROM reach r WHERE s.stream = r.stream
  RETURNING s.stream
),
skipped AS (
  UPDATE conveyor.event_fanout_positions p SET sequence = r.sequence
  FROM reach r WHERE p.stream = r.stream AND p.sequence < r.sequence
  RETURNING p.sink
)
SELECT (SELECT count(*) FROM deleted)::integer AS deleted,
  (SELECT count(*) FROM marked)::integer AS streams,
  (SELECT count(*) FROM skipped)::integer AS skipped;
