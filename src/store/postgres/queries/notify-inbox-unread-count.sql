-- notifyInboxUnreadCount: one user's unread, unarchived notifications.
-- $1 tenant id, $2 user id.
SELECT count(*)::integer AS unread
FROM conveyor.notifications
WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL AND archived_at IS NULL;
