-- apiOverviewWaitHistogram: the waits of the attempts finished in each bucket of the window as a
-- log-scale histogram (bin, attempts), from which the caller estimates each bucket's p95
-- (src/api/overview.ts; docs/api.md#overview gives the error). Read instead of
-- api-overview-wait-p95.sql when the rollup serves the window: the finish minutes in
-- [since, cutoff) from run_minutes (its stored histograms, unnested; the rows over every tenant
-- unless a tenant is named), [cutoff, until) from job_runs
-- binned the same way (overview-rollup-roll.sql: bin 0 for a wait < 1 ms, else
-- 1 + floor(8 · log2 wait), at most 255). Bucket numbers as api-overview-runs.sql.
-- $1 scope tenant (text, NULL: every tenant), $2 since, $3 until (timestamptz), $4 bucket (ms,
-- bigint), $5 queue, $6 tenant id (text, each NULL for any), $7 rollup cutoff (timestamptz, a
-- whole minute at or before the watermark and `until`).
WITH ends AS (
  SELECT array_agg(e ORDER BY e) AS at
  FROM generate_series($2::timestamptz + $4::bigint * interval '1 millisecond',
    $3::timestamptz + $4::bigint * interval '1 millisecond', $4::bigint * interval '1 millisecond') e
), bins AS (
  SELECT width_bucket(finished_at, (SELECT at FROM ends)) AS k,
    CASE WHEN wait_ms < 1 THEN 0 ELSE least(255, 1 + floor(ln(wait_ms) * 11.541560327111707)) END::smallint AS bin,
    1 AS n
  FROM conveyor.job_runs
  WHERE finished_at >= GREATEST($2::timestamptz, $7::timestamptz) AND finished_at < $3::timestamptz
    AND wait_ms IS NOT NULL
    AND ($1::text IS NULL OR tenant_id = $1::text)
    AND ($5::text IS NULL OR queue = $5::text)
    AND ($6::text IS NULL OR tenant_id = $6::text)
  UNION ALL
  SELECT width_bucket(m.minute, (SELECT at FROM ends)), h.bin, h.n
  FROM conveyor.run_minutes m, unnest(m.wait_bins, m.wait_counts) AS h(bin, n)
  WHERE m.minute >= $2::timestamptz AND m.minute < $7::timestamptz
    AND m.total = ($1::text IS NULL AND $6::text IS NULL)
    AND ($1::text IS NULL OR m.tenant_id = $1::text)
    AND ($5::text IS NULL OR m.queue = $5::text)
    AND ($6::text IS NULL OR m.tenant_id = $6::text)
)
SELECT k, bin, sum(n)::integer AS n FROM bins GROUP BY k, bin;
