-- overviewCountsRefresh: the live table's jobs per queue, tenant and state, counted in one scan and
-- written over the previous snapshot in one statement (a reader sees the old snapshot or the new
-- one, never a mix), with overview_rollup_state.counts_as_of = $1 and counts_fresh_ms = $2.
-- Returns the groups written.
-- $1 now (timestamptz: taken just before the count), $2 fresh for (ms, float8: how long the
-- overview may read this snapshot).
WITH cleared AS (
  DELETE FROM conveyor.job_counts
), counted AS (
  INSERT INTO conveyor.job_counts (queue, tenant_id, state, n)
  SELECT queue, tenant_id, state, count(*) FROM conveyor.jobs GROUP BY queue, tenant_id, state
  RETURNING 1
), marked AS (
  UPDATE conveyor.overview_rollup_state SET counts_as_of = $1::timestamptz, counts_fresh_ms = $2::float8
)
SELECT count(*)::integer AS groups FROM counted;
