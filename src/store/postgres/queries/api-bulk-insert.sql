-- apiBulkInsert: a bulk action's handle, running. $1 scope tenant, $2 action, $3 filter (jsonb),
-- $4 total (integer), $5 created by, $6 now.
INSERT INTO conveyor.bulk_actions (tenant_id, action, filter, status, total, created_by, created_at)
VALUES ($1::text, $2::text, $3::jsonb, 'running', $4::integer, $5::text, $6::timestamptz)
RETURNING id::text AS id, tenant_id, action, filter, status, total, processed, affected, error, created_by,
  created_at, finished_at;
