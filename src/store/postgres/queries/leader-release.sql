-- leaderRelease: gives up a leadership role held by this connection (see leader-try-acquire.sql).
-- $1 key (text: schema and role).
SELECT pg_advisory_unlock(hashtext('conveyor:leader:' || $1::text)) AS released;
