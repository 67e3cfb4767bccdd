/**
 * The dashboard's slice of the store seam, behind the REST API's overview, "why is this job
 * waiting?", failure groups and live stream (src/api/routes/dashboard-routes.ts). Every method takes
 * a `scope` (src/core/scope.ts) and its SQL applies it. Each method runs one `api-*.sql` file.
 */
import type { JobState } from '../core/job.ts';
import type { Scope } from '../core/scope.ts';

/** The window and filters of the overview. */
export interface OverviewParams {
  scope: Scope;
  since: Date;
  until: Date;
  bucketMs: number;
  queue?: string;
  tenantId?: string;
  /**
   * Finish minutes before this (a whole minute, at or before the rollup's watermark and `until`)
   * are read from the per-minute rollup, the rest from job_runs; absent: job_runs only. Only for
   * buckets of whole minutes.
   */
  rollupCutoff?: Date;
}

/** The rollup's watermark and the counts snapshot's time, and the planner's table sizes. */
export interface OverviewRollupState {
  /** Finish minutes before this are in the rollup (null: never rolled). */
  rolledUntil: Date | null;
  /** When the counts snapshot was taken (null: never). */
  countsAsOf: Date | null;
  /** How long after countsAsOf the snapshot may be read (null: never taken). */
  countsFreshMs: number | null;
  /** When an overview read of a large live table last asked for snapshots (null: never). */
  countsWantedAt: Date | null;
  /** The planner's row estimates (pg_class.reltuples; ≤ 0 before the first vacuum or analyse). */
  jobsEstimate: number;
  runsEstimate: number;
}

/** Attempts per wait-histogram bin in bucket k (bins: src/api/overview.ts, waitBinMs). */
export interface OverviewWaitBinRow {
  k: number | null;
  bin: number;
  n: number;
}

/** The window's finished attempts per bucket of finish (`finish`), per queue, per tenant. */
export interface OverviewRunRow {
  kind: 'finish' | 'queue' | 'tenant';
  k: number | null;
  queue: string | null;
  tenantId: string | null;
  completed: number;
  failed: number;
  waitMeanMs: number | null;
  /** Attempts with a wait (the weight of waitMeanMs). */
  waited: number;
}

/** Jobs in the live table per queue, tenant and state. */
export interface OverviewLiveRow {
  queue: string;
  tenantId: string | null;
  state: JobState;
  n: number;
}

/** The depth's moves (of history attempts, or of jobs not finished): +n (`due`) or −n (`start`) in bucket k. */
export interface OverviewMoveRow {
  kind: 'due' | 'start';
  k: number;
  n: number;
}

/** What the claim decides on, for one waiting job (api-job-waiting.sql). */
export interface JobWaitingRow {
  id: string;
  queue: string;
  name: string;
  state: JobState;
  groupKey: string;
  runAt: Date;
  attempt: number;
  queuePaused: boolean;
  groupPaused: boolean;
  globalConcurrency: number | null;
  queueActive: number;
  groupLimit: number | null;
  groupActive: number;
  rateLimit: number | null;
  rateIntervalMs: number | null;
  queueRateUsed: number;
  /** When the first start counted in the queue's window leaves it (epoch ms). */
  queueRateFreeMs: number | null;
  groupRateLimit: number | null;
  groupRateIntervalMs: number | null;
  groupRateUsed: number;
  groupRateFreeMs: number | null;
  liveWorkers: number;
  workerLastSeen: Date | null;
  /** Ready jobs of the same queue and group the claim takes first (ready jobs only). */
  ahead: number | null;
}

export interface FailureGroupRow {
  fingerprint: string;
  message: string;
  name: string;
  queue: string;
  attempts: number;
  jobs: number;
  tenants: number;
  dead: number;
  firstSeen: Date;
  lastSeen: Date;
  sampleJobId: string;
}

/** A job whose state changed (or that appeared) since the stream's previous tick. */
export interface ChangedJob {
  id: string;
  state: JobState | null;
  queue: string;
  name: string;
}

export interface StreamCursor {
  runCursor: string;
  jobCursor: string;
}

export interface DashboardStore {
  apiOverviewRuns(params: OverviewParams): Promise<OverviewRunRow[]>;
  /** p95 wait per finish bucket (buckets where no attempt started have no row). */
  apiOverviewWaitP95(params: OverviewParams): Promise<{ k: number | null; waitP95Ms: number | null }[]>;
  /** Waits per bucket and histogram bin, through the rollup (params.rollupCutoff is required). */
  apiOverviewWaitHistogram(params: OverviewParams & { rollupCutoff: Date }): Promise<OverviewWaitBinRow[]>;
  apiOverviewLive(params: OverviewParams): Promise<OverviewLiveRow[]>;
  /** What apiOverviewLive counts, from the snapshot taken at OverviewRollupState.countsAsOf. */
  apiOverviewCounts(params: OverviewParams): Promise<OverviewLiveRow[]>;
  apiOverviewWaiting(params: OverviewParams): Promise<OverviewMoveRow[]>;
  apiOverviewHistoryDepth(params: OverviewParams): Promise<OverviewMoveRow[]>;
  overviewRollupState(): Promise<OverviewRollupState>;
  /**
   * Recomputes the rollup of the finish minutes in [from, to) (whole minutes) from job_runs in one
   * statement and sets the watermark to `to`; returns the run rows read.
   */
  overviewRollupRoll(params: { from: Date; to: Date }): Promise<number>;
  /** The minute of the oldest finished attempt (null: no history): where the first pass starts. */
  overviewRollupFirstMinute(): Promise<Date | null>;
  /** Deletes the rollup's minutes that ended before `before`; returns the rows deleted. */
  overviewRollupPrune(params: { before: Date }): Promise<number>;
  /**
   * Counts the live table per queue, tenant and state into the snapshot, as of `now`, readable for
   * `freshMs`; returns the groups.
   */
  overviewCountsRefresh(params: { now: Date; freshMs: number }): Promise<number>;
  /** An overview read asks the leader for counts snapshots (recorded at most every 10 s). */
  overviewCountsWanted(params: { now: Date }): Promise<void>;
  /** null: no such job in scope (completed jobs are not in the live table: the caller checks first). */
  apiJobWaiting(params: { scope: Scope; id: string; now: Date }): Promise<JobWaitingRow | null>;
  apiFailureGroups(params: {
    scope: Scope;
    since: Date;
    until: Date;
    queue?: string;
    name?: string;
    tenantId?: string;
    limit: number;
  }): Promise<FailureGroupRow[]>;
  /** The change feed's starting point: the newest history row and job ids. */
  apiStreamStart(): Promise<StreamCursor>;
  /** Attempts ended and jobs enqueued after the cursor, and the jobs running now; the next cursor. */
  apiStreamChanges(params: { scope: Scope; cursor: StreamCursor; activeLimit: number }): Promise<{
    cursor: StreamCursor;
    ended: ChangedJob[];
    enqueued: ChangedJob[];
    active: ChangedJob[];
  }>;
}
