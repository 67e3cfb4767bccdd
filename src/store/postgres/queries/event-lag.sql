-- eventLag: for each durable subscription, when its oldest undelivered event occurred (its
-- unfinished jobs' events, and events not dispatched to anyone yet); for each fan-out sink, when
-- the oldest event past its position occurred. null: nothing waiting. Metrics and health read it.
-- No parameters.
WITH undispatched AS (
  SELECT min(e.occurred_at) AS oldest
  FROM conveyor.event_streams s
  JOIN conveyor.events e ON e.stream = s.stream AND e.sequence = s.dispatched_sequence + 1
  WHERE s.last_sequence > s.dispatched_sequence
)
SELECT 'subscriber' AS kind, sub.name,
  LEAST(
    (SELECT min((j.payload->>'occurredAt')::timestamptz) FROM conveyor.jobs j
     WHERE j.queue = sub.queue AND j.name = sub.job_name AND j.state IN ('ready', 'scheduled', 'active')),
    (SELECT oldest FROM undispatched)
  ) AS oldest
FROM conveyor.event_subscriptions sub
UNION ALL
SELECT 'sink' AS kind, k.name,
  (SELECT min(e.occurred_at)
   FROM conveyor.event_streams s
   LEFT JOIN conveyor.event_fanout_positions p ON p.sink = k.name AND p.stream = s.stream
   JOIN conveyor.events e ON e.stream = s.stream AND e.sequence = COALESCE(p.sequence, 0) + 1
   WHERE s.last_sequence > COALESCE(p.sequence, 0)) AS oldest
FROM conveyor.event_sinks k;
