-- migrationLock: takes the transaction-scoped lock that keeps two processes from migrating at once.
-- $1 lock key (text; the schema name), hashed to an advisory lock id.
SELECT pg_advisory_xact_lock(hashtext('conveyor:migrate:' || $1::text));
