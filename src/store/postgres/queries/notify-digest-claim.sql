-- notifyDigestRun, first statement: locks up to $2 users whose digest is due. SKIP LOCKED lets
-- several workers claim disjoint users; the same transaction advances next_digest_at past now, so
-- a user is claimed once per period however many workers run.
-- $1 now, $2 limit.
SELECT tenant_id, user_id, email, time_zone, digest_frequency, delivery_hour, next_digest_at, last_digest_at
FROM conveyor.notify_users
WHERE next_digest_at <= $1::timestamptz AND active
ORDER BY next_digest_at
LIMIT $2
FOR UPDATE SKIP LOCKED;
