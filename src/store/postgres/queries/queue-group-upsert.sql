-- queueGroupUpsert: pauses, resumes, weights or limits one group of a queue; only the fields present
-- in $3 change (concurrency null clears the override). Marks the queue as having group rules, so
-- its claims consult them, and wakes the queue's workers.
-- $1 queue (text), $2 group key (text; '' is the shared group), $3 settings (jsonb: paused,
-- concurrency, weight), $4 now (timestamptz), $5 wake-up channel (text).
WITH queue_row AS (
  INSERT INTO conveyor.queues AS q (name, has_group_rules, updated_at) VALUES ($1::text, true, $4::timestamptz)
  ON CONFLICT (name) DO UPDATE SET has_group_rules = true, updated_at = EXCLUDED.updated_at
  RETURNING name
),
upserted AS (
  INSERT INTO conveyor.queue_groups AS g (queue, group_key, paused, concurrency, weight)
  VALUES ($1::text, $2::text,
    COALESCE(($3::jsonb->>'paused')::boolean, false),
    ($3::jsonb->>'concurrency')::integer,
    COALESCE(($3::jsonb->>'weight')::integer, 1))
  ON CONFLICT (queue, group_key) DO UPDATE SET
    paused = CASE WHEN $3::jsonb ? 'paused' THEN EXCLUDED.paused ELSE g.paused END,
    concurrency = CASE WHEN $3::jsonb ? 'concurrency' THEN EXCLUDED.concurrency ELSE g.concurrency END,
    weight = CASE WHEN $3::jsonb ? 'weight' THEN EXCLUDED.weight ELSE g.weight END
  RETURNING queue, group_key, paused, concurrency, weight
),
woken AS (
  SELECT pg_notify($5::text, name) FROM queue_row
)
SELECT queue, group_key, paused, concurrency, weight, (SELECT count(*) FROM woken)::integer AS woken FROM upserted;
