-- notifyInboxMarkRead: marks one user's notifications read (the given ids, or all when $3 is
-- NULL); ids of another user or tenant match nothing. Returns how many changed and the unread
-- count after.
-- $1 tenant id, $2 user id, $3 ids (uuid[] or NULL for all), $4 now.
WITH changed AS (
  UPDATE conveyor.notifications SET read_at = $4::timestamptz
  WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL
    AND ($3::uuid[] IS NULL OR id = ANY ($3::uuid[]))
  RETURNING archived_at
)
SELECT (SELECT count(*) FROM changed)::integer AS changed,
  ((SELECT count(*) FROM conveyor.notifications
    WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL AND archived_at IS NULL)
   - (SELECT count(*) FROM changed WHERE archived_at IS NULL))::integer AS unread;
