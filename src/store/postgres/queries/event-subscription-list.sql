-- eventSubscriptionList: every durable subscription of the cluster (the relay matches events to
-- them). No parameters.
SELECT name, type_pattern, pattern, job_name, queue, max_attempts, backoff, timeout_ms
FROM conveyor.event_subscriptions
ORDER BY name;
