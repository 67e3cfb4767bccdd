/**
 * `conveyor.analytics.*`: SQL over the run history (one row per attempt), each query filterable by
 * time window, queue, job name and tenant. The AdvisorOS job tracker's functions, on `job_runs`.
 */
import { type Duration, parseDuration } from '../core/duration.ts';
import { ValidationError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import type {
  DurationPercentiles,
  ErrorGroup,
  FailedRun,
  JobRunStats,
  OverallRunStats,
  RunWindow,
  SlowRun,
  ThroughputBucket,
  WorkerRunStats,
} from './run-history-types.ts';

/** What every analytics query accepts. Times are instants or durations back from now. */
export interface AnalyticsFilter {
  /** Start of the window (inclusive): a Date, or a duration before `until` such as `24h` (default 24h). */
  since?: Date | Duration;
  /** End of the window (exclusive; default now). */
  until?: Date;
  queue?: string;
  /** Job name. */
  name?: string;
  tenantId?: string;
}

export interface Analytics {
  /** Attempts per job by status, with success rate and mean durations. */
  jobStats(filter?: AnalyticsFilter): Promise<(JobRunStats & { successRate: number | null })[]>;
  /** System-wide totals. */
  overall(filter?: AnalyticsFilter): Promise<OverallRunStats & { successRate: number | null }>;
  /** Per worker process: attempts, outcomes, busy time, CPU and memory. */
  workers(filter?: AnalyticsFilter): Promise<WorkerRunStats[]>;
  /** Newest failed, dead and stalled attempts with error message and stack. */
  recentFailures(filter?: AnalyticsFilter & { limit?: number }): Promise<FailedRun[]>;
  /** Failures grouped by normalized message (numbers, UUIDs, quoted values stripped). */
  errorGroups(filter?: AnalyticsFilter & { limit?: number }): Promise<ErrorGroup[]>;
  /** p50/p95/p99 run time per job (percentile_cont). */
  durations(filter?: AnalyticsFilter): Promise<DurationPercentiles[]>;
  /** The longest attempts. */
  slowest(filter?: AnalyticsFilter & { limit?: number }): Promise<SlowRun[]>;
  /** Attempts finished per bucket (default: 1h buckets over 24h; at most 10,000 buckets). */
  throughput(filter?: AnalyticsFilter & { bucket?: Duration }): Promise<ThroughputBucket[]>;
}

const DEFAULT_WINDOW_MS = 86_400_000;
const MAX_BUCKETS = 10_000;

export function resolveWindow(filter: AnalyticsFilter, now: Date): RunWindow {
  const until = filter.until ?? now;
  if (!(until instanceof Date) || Number.isNaN(until.getTime()))
    throw new ValidationError('until', 'must be a valid Date');
  const since =
    filter.since instanceof Date
      ? filter.since
      : new Date(
          until.getTime() -
            (filter.since === undefined ? DEFAULT_WINDOW_MS : parseDuration(filter.since, 'since')),
        );
  if (Number.isNaN(since.getTime())) throw new ValidationError('since', 'must be a valid Date or duration');
  if (since.getTime() > until.getTime()) throw new ValidationError('since', 'must not be after `until`');
  return {
    since,
    until,
    ...(filter.queue ? { queue: filter.queue } : {}),
    ...(filter.name ? { name: filter.name } : {}),
    ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
  };
}

function limitOf(limit: number | undefined, fallback: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > 10_000)
    throw new ValidationError('limit', `must be a whole number from 1 to 10000, got ${value}`);
  return value;
}

const rate = (completed: number, failed: number): number | null =>
  completed + failed === 0 ? null : completed / (completed + failed);

export function createAnalytics(store: () => Promise<Store>, now: () => Date): Analytics {
  const window = (filter: AnalyticsFilter = {}): RunWindow => resolveWindow(filter, now());
  return {
    async jobStats(filter) {
      const rows = await (await store()).analyticsJobStats(window(filter));
      return rows.map((row) => ({ ...row, successRate: rate(row.completed, row.failed) }));
    },
    async overall(filter) {
      const row = await (await store()).analyticsOverall(window(filter));
      return { ...row, successRate: rate(row.completed, row.failed) };
    },
    async workers(filter) {
      return (await store()).analyticsWorkers(window(filter));
    },
    async recentFailures(filter = {}) {
      return (await store()).analyticsRecentFailures({ ...window(filter), limit: limitOf(filter.limit, 50) });
    },
    async errorGroups(filter = {}) {
      return (await store()).analyticsErrorGroups({ ...window(filter), limit: limitOf(filter.limit, 50) });
    },
    async durations(filter) {
      return (await store()).analyticsDurationPercentiles(window(filter));
    },
    async slowest(filter = {}) {
      return (await store()).analyticsSlowest({ ...window(filter), limit: limitOf(filter.limit, 20) });
    },
    async throughput(filter = {}) {
      const w = window(filter);
      const bucketMs = parseDuration(filter.bucket ?? '1h', 'bucket');
      if (bucketMs < 1_000 || bucketMs % 1_000 !== 0)
        throw new ValidationError('bucket', 'must be a whole number of seconds, at least 1s');
      if ((w.until.getTime() - w.since.getTime()) / bucketMs > MAX_BUCKETS)
        throw new ValidationError(
          'bucket',
          `gives more than ${MAX_BUCKETS} buckets for this window; widen it`,
        );
      return (await store()).analyticsThroughput({ ...w, bucketSeconds: bucketMs / 1_000 });
    },
  };
}
