-- conveyor.rate_log_add: a rate-limit log with `p_taken` starts added at `p_now_ms`, and the entries
-- older than two intervals dropped. A log is two parallel arrays, start times (epoch ms) and counts;
-- the starts counted against a limit at time t are those with a time after t − interval. Entries
-- are kept one interval longer than that because processes' clocks differ a little: a claim whose
-- clock is behind must still find every start its own window holds.
-- A time is rounded UP to a bucket of 1/64 of the interval and starts in one bucket share an entry,
-- so a log holds at most ~130 entries whatever the limit. Rounding up keeps a start counted a little
-- longer than its true time (at most interval/64), never shorter: the limit holds in every sliding
-- window, at the cost of up to 1/64 of the interval of delay after a full window.
-- Used by conveyor.claim_jobs_fair for the queue's log and each group's log.
CREATE OR REPLACE FUNCTION conveyor.rate_log_add(p_at bigint[], p_n integer[], p_now_ms bigint,
  p_interval_ms bigint, p_taken integer, OUT at bigint[], OUT n integer[])
LANGUAGE sql IMMUTABLE AS $$
  WITH stamp AS (
    SELECT (ceil(p_now_ms::numeric / GREATEST(1, p_interval_ms / 64)) * GREATEST(1, p_interval_ms / 64))::bigint AS at
  ),
  kept AS (
    SELECT l.at, l.n FROM unnest(p_at, p_n) AS l(at, n) WHERE l.at > p_now_ms - 2 * p_interval_ms
    UNION ALL
    SELECT stamp.at, p_taken FROM stamp WHERE p_taken > 0
  ),
  merged AS (
    SELECT kept.at, sum(kept.n)::integer AS n FROM kept GROUP BY kept.at
  )
  SELECT COALESCE(array_agg(merged.at ORDER BY merged.at), '{}'), COALESCE(array_agg(merged.n ORDER BY merged.at), '{}')
  FROM merged
$$;
