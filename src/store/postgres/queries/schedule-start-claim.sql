-- scheduleStartClaim: claims a schedule's run-on-start for this start window. Only the first
-- process to start within the window wins.
-- $1 name (text). $2 now (timestamptz). $3 window start (timestamptz): a claim after it blocks.
UPDATE conveyor.schedules SET start_fired_at = $2::timestamptz
WHERE name = $1::text AND NOT paused AND run_on_start
  AND (start_fired_at IS NULL OR start_fired_at <= $3::timestamptz)
RETURNING name;
