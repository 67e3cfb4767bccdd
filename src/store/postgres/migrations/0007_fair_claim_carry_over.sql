-- 0007_fair_claim_carry_over: fixed conveyor.claim_jobs_fair so that a claim no longer came back
-- short while groups it found still had ready jobs (a group the round's budget did not reach keeps
-- its place and is offered first in the next round). The function is now defined in
-- functions/claim_jobs_fair.sql, which the migrator applies after the numbered migrations, so this
-- migration no longer holds any DDL. It stays numbered so that databases which applied it keep a
-- gap-free history.
SELECT 1;
