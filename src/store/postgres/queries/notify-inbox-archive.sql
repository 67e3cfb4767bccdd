-- notifyInboxArchive: archives one user's notifications by id (another user's or tenant's ids
-- match nothing). Returns how many changed and the unread count after.
-- $1 tenant id, $2 user id, $3 ids (uuid[]), $4 now.
WITH changed AS (
  UPDATE conveyor.notifications SET archived_at = $4::timestamptz
  WHERE tenant_id = $1 AND user_id = $2 AND archived_at IS NULL AND id = ANY ($3::uuid[])
  RETURNING read_at
)
SELECT (SELECT count(*) FROM changed)::integer AS changed,
  ((SELECT count(*) FROM conveyor.notifications
    WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL AND archived_at IS NULL)
   - (SELECT count(*) FROM changed WHERE read_at IS NULL))::integer AS unread;
