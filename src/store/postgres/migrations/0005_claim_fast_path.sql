-- 0005_claim_fast_path: added the one-statement claim for a queue without limits whose ready jobs
-- all belong to one group, and renamed the fair claim to conveyor.claim_jobs_fair. Both functions
-- are now defined in functions/ (claim_jobs.sql, claim_jobs_fair.sql, with their design notes and
-- figures), which the migrator applies after the numbered migrations, so this migration no longer
-- holds any DDL. It stays numbered so that databases which applied it keep a gap-free history.
SELECT 1;
