-- jobProgressSet: records a running job's progress.
-- $1 id (text), $2 progress (jsonb).
-- By primary key, not jobs_active_idx (see job-complete-many.sql).
UPDATE conveyor.jobs SET progress = $2::jsonb WHERE id = $1::bigint AND (state = 'active') IS TRUE
RETURNING id::text AS id;
