-- scheduleRecordJob: remembers the job a schedule enqueued last (the overlap check reads it).
-- $1 name (text). $2 job id (bigint).
UPDATE conveyor.schedules SET last_job_id = $2::bigint WHERE name = $1::text;
