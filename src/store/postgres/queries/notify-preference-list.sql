-- notifyPreferenceList: a user's own rows and their tenant's rows (user_id '').
-- $1 tenant id, $2 user id.
SELECT user_id, type, channel, enabled, mandatory
FROM conveyor.notify_preferences
WHERE tenant_id = $1 AND (user_id = $2 OR user_id = '')
ORDER BY user_id, type, channel;
