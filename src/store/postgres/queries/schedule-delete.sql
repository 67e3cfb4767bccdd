-- scheduleDelete: removes a schedule (jobs it already enqueued are left alone).
-- $1 name (text).
DELETE FROM conveyor.schedules WHERE name = $1::text RETURNING name;
