-- apiAuditInsert: one audit entry. $1 at, $2 actor, $3 role, $4 tenant id, $5 action, $6 target,
-- $7 before (jsonb), $8 after (jsonb), $9 ip.
INSERT INTO conveyor.audit_log (at, actor, role, tenant_id, action, target, before, after, ip)
VALUES ($1::timestamptz, $2::text, $3::text, $4::text, $5::text, $6::text, $7::jsonb, $8::jsonb, $9::text);
