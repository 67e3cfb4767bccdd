-- workerRemove: forgets a worker that stopped cleanly.
-- $1 id (text).
DELETE FROM conveyor.workers WHERE id = $1::text;
