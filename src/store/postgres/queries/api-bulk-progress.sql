-- apiBulkProgress: adds a batch's counts to a bulk action, and ends it when `status` is not
-- 'running'. $1 id, $2 processed (added), $3 affected (added), $4 status, $5 error (or NULL), $6 now.
UPDATE conveyor.bulk_actions
SET processed = processed + $2::integer, affected = affected + $3::integer, status = $4::text,
    error = $5::text, finished_at = CASE WHEN $4::text = 'running' THEN NULL ELSE $6::timestamptz END
WHERE id = $1::bigint;
