-- eventSubscriptionDelete: removes a durable subscription; the relay makes no more jobs for it.
-- $1 name.
DELETE FROM conveyor.event_subscriptions WHERE name = $1::text RETURNING name;
