-- scheduleAdvance: compare-and-set of a schedule's fire state. Only the process that read the same
-- next_fire_at and pending_fire_at wins; the others (row changed or paused) get no row back.
-- $1 name (text). $2 expected next_fire_at. $3 expected pending_fire_at. $4 new next_fire_at.
-- $5 new pending_fire_at. $6 last fire (timestamptz or NULL to keep). $7 now (timestamptz).
UPDATE conveyor.schedules SET next_fire_at = $4::timestamptz, pending_fire_at = $5::timestamptz,
  last_fire_at = COALESCE($6::timestamptz, last_fire_at), updated_at = $7::timestamptz
WHERE name = $1::text AND NOT paused
  AND next_fire_at IS NOT DISTINCT FROM $2::timestamptz
  AND pending_fire_at IS NOT DISTINCT FROM $3::timestamptz
RETURNING name;
