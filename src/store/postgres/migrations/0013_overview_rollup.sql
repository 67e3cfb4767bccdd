-- 0013_overview_rollup: what the dashboard overview reads at scale instead of scanning the run
-- history and the live table on every request (docs/api.md#speed). Written only by the leader's
-- overview rollup service (src/maintenance/overview-rollup.ts), never by enqueue, claim or complete.
-- The schema name `conveyor` is replaced by the configured schema when the file is loaded.

-- Finished attempts per minute of finished_at (date_bin on the epoch), queue and tenant:
-- completed, failed (failed, dead, stalled), the attempts with a wait (waited), their wait sum,
-- and a sparse log-scale histogram of their waits (bin 0: wait < 1 ms; bin b >= 1: wait in
-- [2^((b-1)/8), 2^(b/8)) ms, capped at 255, about 40 days): wait_bins[i] holds wait_counts[i].
-- Rows with `total` sum every tenant of the queue (tenant_id NULL): the unscoped overview's series,
-- queue table and p95 read those (at the bench's density, ~100 attempts a minute over 120 tenants,
-- a row per tenant and minute is a row per attempt; a row per queue and minute is ~12 attempts).
-- No primary key: a pass deletes and re-inserts whole minutes in one statement.
CREATE TABLE conveyor.run_minutes (
  minute       timestamptz NOT NULL,
  queue        text NOT NULL,
  total        boolean NOT NULL,
  tenant_id    text,
  completed    integer NOT NULL,
  failed       integer NOT NULL,
  waited       integer NOT NULL,
  wait_sum     double precision NOT NULL,
  wait_bins    smallint[] NOT NULL,
  wait_counts  integer[] NOT NULL
);
CREATE INDEX run_minutes_minute_idx ON conveyor.run_minutes (minute);
CREATE INDEX run_minutes_total_idx ON conveyor.run_minutes (minute) WHERE total;
-- A tenant-scoped overview reads its tenant's rows only (bench: 24h for one of 120 tenants,
-- 2–10 ms against 60–75 ms through run_minutes_minute_idx).
CREATE INDEX run_minutes_tenant_idx ON conveyor.run_minutes (tenant_id, minute) WHERE NOT total;

-- The waiting depth's moves of the attempts whose wait crossed a minute end (the others' +1 and −1
-- cancel in every bucket of whole minutes): per finish minute, queue and tenant, the first minute
-- end at or after the attempt became due (due_end) and at or after it started (start_end > due_end).
CREATE TABLE conveyor.run_minute_waits (
  minute     timestamptz NOT NULL,
  queue      text NOT NULL,
  tenant_id  text,
  due_end    timestamptz NOT NULL,
  start_end  timestamptz NOT NULL,
  n          integer NOT NULL
);
CREATE INDEX run_minute_waits_minute_idx ON conveyor.run_minute_waits (minute);

-- Jobs in the live table per queue, tenant and state, as counted at overview_rollup_state.counts_as_of.
CREATE TABLE conveyor.job_counts (
  queue      text NOT NULL,
  tenant_id  text,
  state      text NOT NULL,
  n          integer NOT NULL
);

-- One row: minutes before rolled_until are in run_minutes and run_minute_waits (NULL: never rolled);
-- counts_as_of: when job_counts was counted (NULL: never); counts_fresh_ms: how long after it the
-- snapshot may be read (the leader's next count is due well before: 3× its interval, at least 60 s);
-- counts_wanted_at: the last overview read of a large live table (written at most every 10 s): the
-- leader counts only while that is recent, so no dashboard open costs no scans.
CREATE TABLE conveyor.overview_rollup_state (
  id            boolean PRIMARY KEY DEFAULT true CHECK (id),
  rolled_until  timestamptz,
  counts_as_of  timestamptz,
  counts_fresh_ms double precision,
  counts_wanted_at timestamptz
);
INSERT INTO conveyor.overview_rollup_state (id) VALUES (true);
