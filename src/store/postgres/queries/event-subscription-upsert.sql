-- eventSubscriptionUpsert: records a durable subscription declared in code (code wins: its
-- pattern, job and retry policy are written as given), so the relay of any process knows it.
-- $1 name, $2 type pattern (as written), $3 LIKE pattern, $4 job name, $5 queue, $6 max attempts,
-- $7 backoff (jsonb or null), $8 timeout ms (or null), $9 now.
INSERT INTO conveyor.event_subscriptions AS s (name, type_pattern, pattern, job_name, queue, max_attempts,
  backoff, timeout_ms, created_at, updated_at)
VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::integer, $7::jsonb, $8::integer,
  $9::timestamptz, $9::timestamptz)
ON CONFLICT (name) DO UPDATE SET type_pattern = EXCLUDED.type_pattern, pattern = EXCLUDED.pattern,
  job_name = EXCLUDED.job_name, queue = EXCLUDED.queue, max_attempts = EXCLUDED.max_attempts,
  backoff = EXCLUDED.backoff, timeout_ms = EXCLUDED.timeout_ms, updated_at = EXCLUDED.updated_at
WHERE (s.type_pattern, s.pattern, s.job_name, s.queue, s.max_attempts, s.backoff, s.timeout_ms)
  IS DISTINCT FROM (EXCLUDED.type_pattern, EXCLUDED.pattern, EXCLUDED.job_name, EXCLUDED.queue,
  EXCLUDED.max_attempts, EXCLUDED.backoff, EXCLUDED.timeout_ms);
