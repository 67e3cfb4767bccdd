-- leaderTryAcquire: takes the session-level advisory lock of a leadership role if nobody holds it.
-- Runs on a connection of its own (SqlDriver.dedicated): the lock lasts as long as that connection,
-- so a leader that dies (its connection closes) frees it at once, and a leader cut off from the
-- database loses it when the server drops the connection.
-- $1 key (text: schema and role), hashed to the lock id.
SELECT pg_try_advisory_lock(hashtext('conveyor:leader:' || $1::text)) AS acquired;
