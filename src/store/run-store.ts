/**
 * The history slice of the store seam: analytics over `job_runs` (one row per attempt), the inputs
 * of alert rules, alert incidents, and age-based history retention. Each method runs one named
 * SQL file (`analytics-*.sql`, `run-*.sql`).
 */

import type {
  ConsecutiveFailures,
  DurationPercentiles,
  ErrorGroup,
  FailedRun,
  Incident,
  IncidentInput,
  JobRunStats,
  LatestDuration,
  OverallRunStats,
  RunWindow,
  SlowRun,
  ThroughputBucket,
  WorkerRunStats,
} from '../observe/run-history-types.ts';

export type * from '../observe/run-history-types.ts';

export interface RunStore {
  analyticsJobStats(params: RunWindow): Promise<JobRunStats[]>;
  analyticsOverall(params: RunWindow): Promise<OverallRunStats>;
  analyticsWorkers(params: RunWindow): Promise<WorkerRunStats[]>;
  analyticsRecentFailures(params: RunWindow & { limit: number }): Promise<FailedRun[]>;
  analyticsErrorGroups(params: RunWindow & { limit: number }): Promise<ErrorGroup[]>;
  analyticsDurationPercentiles(params: RunWindow): Promise<DurationPercentiles[]>;
  analyticsSlowest(params: RunWindow & { limit: number }): Promise<SlowRun[]>;
  analyticsThroughput(params: RunWindow & { bucketSeconds: number }): Promise<ThroughputBucket[]>;
  analyticsConsecutiveFailures(params: {
    since: Date;
    name?: string;
    queue?: string;
  }): Promise<ConsecutiveFailures[]>;
  analyticsLatestDurations(params: { since: Date; name?: string; queue?: string }): Promise<LatestDuration[]>;
  /** The newest retained completed run of each name; names without one are absent. */
  analyticsLastSuccess(params: { names: string[] }): Promise<Map<string, Date>>;
  /** Opens incidents that are not open yet; returns only those opened by this call. */
  analyticsIncidentOpen(params: { incidents: IncidentInput[]; now: Date }): Promise<Incident[]>;
  /** Resolves open incidents of `rules` not in `firing`; returns only those resolved by this call. */
  analyticsIncidentResolve(params: {
    rules: string[];
    firing: { rule: string; subject: string }[];
    now: Date;
  }): Promise<Incident[]>;
  analyticsIncidentList(params: { openOnly: boolean; since?: Date; limit: number }): Promise<Incident[]>;
  /** Deletes up to `limit` run rows (any queue) finished before `finishedBefore`; returns how many. */
  runPruneBefore(params: { finishedBefore: Date; limit: number }): Promise<number>;
  /** Deletes up to `limit` incidents resolved before `resolvedBefore` (never open ones); returns how many. */
  analyticsIncidentPrune(params: { resolvedBefore: Date; limit: number }): Promise<number>;
}
