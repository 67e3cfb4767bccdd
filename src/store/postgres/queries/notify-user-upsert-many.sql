-- notifyUserUpsertMany: registers or updates recipients in one statement. A changed digest
-- setting takes the next_digest_at computed by the caller; an unchanged one keeps its own.
-- $1 users (json array of { tenant_id, user_id, email, active, time_zone, digest_frequency,
-- delivery_hour, next_digest_at }), $2 now (timestamptz).
INSERT INTO conveyor.notify_users AS u (tenant_id, user_id, email, active, time_zone, digest_frequency,
  delivery_hour, next_digest_at, updated_at)
SELECT r.tenant_id, r.user_id, r.email, r.active, r.time_zone, r.digest_frequency, r.delivery_hour,
  r.next_digest_at, $2::timestamptz
FROM json_to_recordset($1::json) AS r(tenant_id text, user_id text, email text, active boolean,
  time_zone text, digest_frequency text, delivery_hour integer, next_digest_at timestamptz)
ON CONFLICT (tenant_id, user_id) DO UPDATE SET
  email = EXCLUDED.email,
  active = EXCLUDED.active,
  next_digest_at = CASE
    WHEN u.time_zone IS DISTINCT FROM EXCLUDED.time_zone
      OR u.digest_frequency IS DISTINCT FROM EXCLUDED.digest_frequency
      OR u.delivery_hour IS DISTINCT FROM EXCLUDED.delivery_hour
      OR u.next_digest_at IS NULL
    THEN EXCLUDED.next_digest_at ELSE u.next_digest_at END,
  time_zone = EXCLUDED.time_zone,
  digest_frequency = EXCLUDED.digest_frequency,
  delivery_hour = EXCLUDED.delivery_hour,
  updated_at = EXCLUDED.updated_at;
