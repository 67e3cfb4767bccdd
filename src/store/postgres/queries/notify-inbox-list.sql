-- notifyInboxList: one user's notifications, newest first, after a cursor (created_at, id).
-- Every inbox statement filters on tenant and user: nothing else is reachable.
-- $1 tenant id, $2 user id, $3 unread only (boolean), $4 type (text or NULL), $5 cursor created_at
-- (timestamptz or NULL), $6 cursor id (uuid or NULL), $7 limit, $8 include archived (boolean).
SELECT id::text AS id, type, title, body, link, data, event_id::text AS event_id, created_at, read_at,
  archived_at, digest_sent_at
FROM conveyor.notifications
WHERE tenant_id = $1 AND user_id = $2
  AND (NOT $3 OR read_at IS NULL)
  AND ($4::text IS NULL OR type = $4)
  AND ($8 OR archived_at IS NULL)
  AND ($5::timestamptz IS NULL OR (created_at, id) < ($5::timestamptz, $6::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $7;
