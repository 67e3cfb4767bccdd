-- overviewRollupRoll: (re)computes the overview rollup of the finish minutes in [$1, $2) from
-- job_runs (job_runs_finished_idx, BRIN) in one statement: the span's rows of run_minutes and
-- run_minute_waits are deleted and inserted again (so a pass is idempotent and a run row committed
-- after its minute was rolled is counted when the minute is rolled again), then
-- overview_rollup_state.rolled_until is set to $2. Returns the run rows read.
-- $1 from, $2 to (timestamptz, whole minutes, $1 < $2).
-- Histogram bin of a wait w (ms): 0 when w < 1, else 1 + floor(8 · log2 w), at most 255
-- (11.541560327111707 = 8 / ln 2). Minute = date_bin('1 minute', t, epoch): the API's buckets are
-- epoch-aligned, so a bucket of whole minutes holds whole minutes.
-- One minute at 40,000 jobs/s (2,400,000 rows, bench:api): 1.7 s; a first version that
-- materialized the rows for two aggregates spilled them to disk and took 12.2 s. Run after
-- overview-rollup-plan.sql in one transaction (hash aggregation, no JIT).
WITH cleared AS (
  DELETE FROM conveyor.run_minutes WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
), cleared_waits AS (
  DELETE FROM conveyor.run_minute_waits WHERE minute >= $1::timestamptz AND minute < $2::timestamptz
), fine AS MATERIALIZED (
  -- One scan, one hash aggregate: the span's rows summed per minute, queue, tenant, wait bin and,
  -- for the few attempts whose wait crossed a minute end, (due_end, start_end) — NULL for the
  -- others. Everything below reads these few thousand sums, never the rows again.
  SELECT minute, queue, tenant_id, bin,
    CASE WHEN start_end > due_end THEN due_end END AS due_end,
    CASE WHEN start_end > due_end THEN start_end END AS start_end,
    count(*) AS n,
    count(*) FILTER (WHERE status = 'completed') AS completed,
    count(*) FILTER (WHERE status IN ('failed', 'dead', 'stalled')) AS failed,
    count(wait_ms) AS waited,
    sum(wait_ms) AS wait_sum
  FROM (
    SELECT date_bin('1 minute', finished_at, timestamptz 'epoch') AS minute, queue, tenant_id, status, wait_ms,
      CASE WHEN wait_ms IS NULL THEN NULL WHEN wait_ms < 1 THEN 0
        ELSE least(255, 1 + floor(ln(wait_ms) * 11.541560327111707)) END::smallint AS bin,
      date_bin('1 minute', COALESCE(due_at, enqueued_at) - interval '1 microsecond', timestamptz 'epoch')
        + interval '1 minute' AS due_end,
      date_bin('1 minute', started_at - interval '1 microsecond', timestamptz 'epoch') + interval '1 minute' AS start_end
    FROM conveyor.job_runs
    WHERE finished_at >= $1::timestamptz AND finished_at < $2::timestamptz
  ) r
  GROUP BY 1, 2, 3, 4, 5, 6
), per_bin AS (
  -- Per tenant, and per queue over every tenant (total).
  SELECT minute, queue, tenant_id, GROUPING(tenant_id) = 1 AS total, bin,
    sum(completed) AS completed, sum(failed) AS failed, sum(waited) AS waited, sum(wait_sum) AS wait_sum
  FROM fine
  GROUP BY GROUPING SETS ((minute, queue, tenant_id, bin), (minute, queue, bin))
), minutes AS (
  INSERT INTO conveyor.run_minutes (minute, queue, total, tenant_id, completed, failed, waited, wait_sum, wait_bins, wait_counts)
  SELECT minute, queue, total, tenant_id, sum(completed), sum(failed), sum(waited), COALESCE(sum(wait_sum), 0),
    COALESCE(array_agg(bin ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}'),
    COALESCE(array_agg(waited ORDER BY bin) FILTER (WHERE bin IS NOT NULL), '{}')
  FROM per_bin
  GROUP BY minute, queue, total, tenant_id
), waits AS (
  INSERT INTO conveyor.run_minute_waits (minute, queue, tenant_id, due_end, start_end, n)
  SELECT minute, queue, tenant_id, due_end, start_end, sum(n)
  FROM fine
  WHERE due_end IS NOT NULL
  GROUP BY minute, queue, tenant_id, due_end, start_end
), marked AS (
  UPDATE conveyor.overview_rollup_state SET rolled_until = $2::timestamptz
)
SELECT COALESCE(sum(n), 0)::integer AS runs FROM fine;
