-- overviewCountsWanted: an overview read of a large live table asks the leader for counts
-- snapshots (src/maintenance/overview-rollup.ts counts only while the last ask is recent). Writes
-- at most once per 10 s: later asks within that are no-ops (no row version, no WAL).
-- $1 now (timestamptz).
UPDATE conveyor.overview_rollup_state SET counts_wanted_at = $1::timestamptz
WHERE counts_wanted_at IS NULL OR counts_wanted_at < $1::timestamptz - interval '10 seconds';
