-- scheduleNextFire: the earliest next fire of any unpaused schedule (the scheduler sleeps until then).
SELECT min(next_fire_at) AS next_fire_at FROM conveyor.schedules WHERE NOT paused;
