-- notifyDigestRun, second statement: advances each claimed user's next_digest_at and
-- last_digest_at, and marks their unread notifications since the last digest `digest_sent`
-- (not read). Returns the notifications taken, newest first per user.
-- $1 users (json array of { tenant_id, user_id, next_digest_at }), $2 now.
WITH claimed AS (
  SELECT r.* FROM json_to_recordset($1::json) AS r(tenant_id text, user_id text, next_digest_at timestamptz)
),
advanced AS (
  UPDATE conveyor.notify_users u
  SET next_digest_at = c.next_digest_at, last_digest_at = $2::timestamptz
  FROM claimed c
  WHERE u.tenant_id = c.tenant_id AND u.user_id = c.user_id
  RETURNING u.tenant_id, u.user_id
),
taken AS (
  UPDATE conveyor.notifications n SET digest_sent_at = $2::timestamptz
  FROM claimed c
  WHERE n.tenant_id = c.tenant_id AND n.user_id = c.user_id
    AND n.read_at IS NULL AND n.archived_at IS NULL AND n.digest_sent_at IS NULL
    AND n.created_at <= $2::timestamptz
  RETURNING n.tenant_id, n.user_id, n.id, n.type, n.title, n.link, n.created_at
)
SELECT t.tenant_id, t.user_id, t.id::text AS id, t.type, t.title, t.link, t.created_at,
  (SELECT count(*) FROM advanced)::integer AS advanced
FROM taken t
ORDER BY t.tenant_id, t.user_id, t.created_at DESC, t.id DESC;
