-- jobProgressSet: records a running job's progress.
-- $1 id (text), $2 progress (jsonb).
UPDATE conveyor.jobs SET progress = $2::jsonb WHERE id = $1::bigint AND state = 'active' RETURNING id::text AS id;
