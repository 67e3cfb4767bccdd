/**
 * The dashboard overview (GET /overview): the window's buckets, then the store's five reads, run at
 * once (finished attempts per bucket, queue and tenant; wait p95; live jobs by queue/tenant/state;
 * the waiting depth's moves of history attempts and of unfinished jobs) folded into series,
 * totals, queues and the most active tenants. Definitions (docs/api.md#overview): `failed` counts failed attempts,
 * retried or not; wait = started_at − due time of the attempt; `depth` at a bucket's end = jobs
 * that were due and not yet started then (history attempts that started later, plus live ready,
 * due-scheduled and active jobs).
 *
 * At scale (a table the planner estimates at ≥ 100,000 rows) the history is read through the
 * per-minute rollup for buckets of whole minutes (closed minutes from it, the open tail from
 * job_runs; p95s then estimated from histograms, `waitP95Estimated`), and the live counts from
 * the leader's snapshot (`countsAsOf`): src/maintenance/overview-rollup.ts, docs/api.md#speed.
 */
import { ValidationError } from '../core/errors.ts';
import { JOB_STATES, type JobState } from '../core/job.ts';
import type { Scope } from '../core/scope.ts';
import { COUNTS_MAX_AGE_MS, OVERVIEW_EXACT_BELOW_ROWS } from '../maintenance/overview-rollup.ts';
import type { OverviewWaitBinRow, QueueSettingsRow, Store } from '../store/store.ts';

/** Bucket sizes the default is chosen from: the smallest giving at most DEFAULT_MAX_BUCKETS. */
const NICE_BUCKETS_MS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000,
  43_200_000, 86_400_000, 604_800_000,
];
const DEFAULT_MAX_BUCKETS = 300;
/** A bucket given explicitly may make up to this many. */
export const MAX_BUCKETS = 1000;
const TOP_TENANTS = 20;

export type StateCounts = Record<JobState, number>;

const emptyCounts = (): StateCounts => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as StateCounts;

export interface OverviewWindow {
  since: Date;
  until: Date;
  bucketMs: number;
  buckets: number;
}

/** The window: `since` aligned down to a whole bucket (epoch-aligned, so charts line up). */
export function overviewWindow(since: Date, until: Date, bucketMs: number | undefined): OverviewWindow {
  const spanMs = until.getTime() - since.getTime();
  if (spanMs <= 0) throw new ValidationError('query.since', 'must be before `until` (e.g. since=24h)');
  let size = bucketMs;
  if (size === undefined) {
    size = NICE_BUCKETS_MS.find((b) => spanMs / b <= DEFAULT_MAX_BUCKETS) ?? NICE_BUCKETS_MS.at(-1)!;
  } else if (size < 1000 || size % 1000 !== 0) {
    throw new ValidationError('query.bucket', 'must be a whole number of seconds, at least 1s (e.g. 5m)');
  }
  const start = Math.floor(since.getTime() / size) * size;
  const buckets = Math.ceil((until.getTime() - start) / size);
  if (buckets > MAX_BUCKETS) {
    throw new ValidationError(
      'query.bucket',
      `gives ${buckets} buckets for this window; at most ${MAX_BUCKETS}: take a larger bucket or leave it out`,
    );
  }
  return { since: new Date(start), until, bucketMs: size, buckets };
}

interface Activity {
  counts: StateCounts;
  completed: number;
  failed: number;
  waitSum: number;
  waited: number;
}

/**
 * The wait histogram of the rollup (overview-rollup-roll.sql): bin 0 holds waits under 1 ms, bin
 * b ≥ 1 waits in [2^((b−1)/8), 2^(b/8)) ms. A bin stands for its geometric middle (0.5 ms for bin
 * 0), so a wait of at least 1 ms is off by at most 2^(1/16) − 1 = 4.4 % of itself, and a p95
 * interpolated between two such values (as percentile_cont does between two waits) by at most
 * 4.4 % of the exact p95 plus 0.5 ms.
 */
export const WAIT_P95_RELATIVE_ERROR = 2 ** (1 / 16) - 1;
export const waitBinMs = (bin: number): number => (bin <= 0 ? 0.5 : 2 ** ((bin - 0.5) / 8));

/** percentile_cont(0.95) of a bucket's waits, estimated from its histogram (bin → attempts). */
export function waitP95FromHistogram(bins: Map<number, number>): number | null {
  const sorted = [...bins.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const position = 0.95 * (total - 1);
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const [bin, n] of sorted) {
      seen += n;
      if (rank < seen) return waitBinMs(bin);
    }
    return waitBinMs(sorted.at(-1)![0]);
  };
  const low = Math.floor(position);
  const lowValue = valueAt(low);
  return lowValue + (position - low) * (valueAt(Math.ceil(position)) - lowValue);
}

function p95sFromHistogram(rows: OverviewWaitBinRow[]): { k: number | null; waitP95Ms: number | null }[] {
  const perBucket = new Map<number | null, Map<number, number>>();
  for (const row of rows) {
    let bins = perBucket.get(row.k);
    if (!bins) {
      bins = new Map();
      perBucket.set(row.k, bins);
    }
    bins.set(row.bin, (bins.get(row.bin) ?? 0) + row.n);
  }
  return [...perBucket.entries()].map(([k, bins]) => ({ k, waitP95Ms: waitP95FromHistogram(bins) }));
}

export interface OverviewReadOptions {
  /**
   * Below this many rows (planner estimate) a table is read exactly: no rollup, no snapshot.
   * Default: OVERVIEW_EXACT_BELOW_ROWS for the live table; none for the run history, whose closed
   * minutes always come from the rollup once rolled: it still counts the attempts whose run rows
   * retention deleted (the newest 1,000 completed per queue are kept by default), which a read of
   * job_runs cannot.
   */
  exactBelowRows?: number;
  /** A counts snapshot older than this is not read (default: the freshness its leader wrote with it). */
  countsMaxAgeMs?: number;
  /** The request's time (the snapshot's age is measured from it). */
  now?: Date;
}

const activity = (): Activity => ({ counts: emptyCounts(), completed: 0, failed: 0, waitSum: 0, waited: 0 });
const meanOf = (a: Activity): number | null => (a.waited > 0 ? a.waitSum / a.waited : null);

export async function buildOverview(
  store: Store,
  params: { scope: Scope; window: OverviewWindow; queue?: string; tenantId?: string },
  settings: QueueSettingsRow[],
  options: OverviewReadOptions = {},
) {
  const { window } = params;
  const exactBelowRows = options.exactBelowRows ?? OVERVIEW_EXACT_BELOW_ROWS;
  const runsExactBelowRows = options.exactBelowRows ?? Number.NEGATIVE_INFINITY;
  const now = options.now ?? new Date();
  const state = await store.overviewRollupState();
  // The rollup serves whole-minute buckets: the finish minutes before the cutoff (the watermark,
  // or `until`'s minute if earlier) come from it, the tail from job_runs. A cutoff at or before
  // `since` leaves the rollup nothing to serve: the window is read exactly.
  const cutoffMs =
    state.rolledUntil !== null && window.bucketMs % 60_000 === 0 && state.runsEstimate >= runsExactBelowRows
      ? Math.min(state.rolledUntil.getTime(), Math.floor(window.until.getTime() / 60_000) * 60_000)
      : null;
  const cutoff = cutoffMs !== null && cutoffMs > window.since.getTime() ? new Date(cutoffMs) : null;
  const countsAsOf =
    state.countsAsOf !== null &&
    state.jobsEstimate >= exactBelowRows &&
    now.getTime() - state.countsAsOf.getTime() <=
      (options.countsMaxAgeMs ?? state.countsFreshMs ?? COUNTS_MAX_AGE_MS)
      ? state.countsAsOf
      : null;
  const read = {
    scope: params.scope,
    since: window.since,
    until: window.until,
    bucketMs: window.bucketMs,
    ...(params.queue !== undefined ? { queue: params.queue } : {}),
    ...(params.tenantId !== undefined ? { tenantId: params.tenantId } : {}),
    ...(cutoff !== null ? { rollupCutoff: cutoff } : {}),
  };
  // Started longest first (the live counts when not from the snapshot): with fewer pool
  // connections than reads (the bench's pool of 4), the read left waiting for a connection is a
  // short one.
  // A large live table: ask the leader to keep snapshots coming (it counts only while asked).
  const asked =
    state.jobsEstimate >= exactBelowRows ? store.overviewCountsWanted({ now }) : Promise.resolve();
  const [live, runs, p95, moving, waited] = await Promise.all([
    countsAsOf !== null ? store.apiOverviewCounts(read) : store.apiOverviewLive(read),
    store.apiOverviewRuns(read),
    cutoff !== null
      ? store.apiOverviewWaitHistogram({ ...read, rollupCutoff: cutoff }).then(p95sFromHistogram)
      : store.apiOverviewWaitP95(read),
    store.apiOverviewWaiting(read),
    store.apiOverviewHistoryDepth(read),
  ]);
  await asked;
  const n = window.buckets;
  const series = {
    t: Array.from({ length: n }, (_, k) => window.since.getTime() + k * window.bucketMs),
    completed: new Array<number>(n).fill(0),
    failed: new Array<number>(n).fill(0),
    waitMeanMs: new Array<number | null>(n).fill(null),
    waitP95Ms: new Array<number | null>(n).fill(null),
    depth: new Array<number>(n).fill(0),
  };
  const moves = new Array<number>(n).fill(0);
  const inRange = (k: number | null): k is number => k !== null && k >= 0 && k < n;
  const total = activity();
  const queues = new Map<string, Activity>();
  const tenants = new Map<string, Activity>();
  const of = (map: Map<string, Activity>, key: string) => {
    let found = map.get(key);
    if (!found) {
      found = activity();
      map.set(key, found);
    }
    return found;
  };
  for (const row of runs) {
    const add = (a: Activity) => {
      a.completed += row.completed;
      a.failed += row.failed;
      if (row.waitMeanMs !== null) {
        a.waitSum += row.waitMeanMs * row.waited;
        a.waited += row.waited;
      }
    };
    if (row.kind === 'finish') {
      if (!inRange(row.k)) continue;
      series.completed[row.k] = row.completed;
      series.failed[row.k] = row.failed;
      series.waitMeanMs[row.k] = row.waitMeanMs;
      add(total);
    } else if (row.kind === 'queue' && row.queue !== null) {
      add(of(queues, row.queue));
    } else if (row.kind === 'tenant' && row.tenantId !== null) {
      add(of(tenants, row.tenantId));
    }
  }
  for (const row of p95) if (inRange(row.k)) series.waitP95Ms[row.k] = row.waitP95Ms;
  for (const row of live) {
    of(queues, row.queue).counts[row.state] += row.n;
    total.counts[row.state] += row.n;
    if (row.tenantId !== null) of(tenants, row.tenantId).counts[row.state] += row.n;
  }
  // Completed jobs leave the live table: their count is the attempts completed in the window.
  for (const a of [total, ...queues.values(), ...tenants.values()]) a.counts.completed = a.completed;
  for (const row of [...moving, ...waited]) {
    if (inRange(row.k)) moves[row.k]! += row.kind === 'due' ? row.n : -row.n;
  }
  let depth = 0;
  for (let k = 0; k < n; k++) {
    depth += moves[k]!;
    series.depth[k] = depth;
  }
  const paused = new Map(settings.map((s) => [s.name, s.paused]));
  if (params.queue === undefined) for (const s of settings) of(queues, s.name);
  else if (paused.has(params.queue)) of(queues, params.queue);
  const liveCount = (a: Activity) => Object.values(a.counts).reduce((x, y) => x + y, 0);
  const attempts = total.completed + total.failed;
  return {
    since: window.since,
    until: window.until,
    bucketMs: window.bucketMs,
    /** When the live counts were taken: null when counted for this response, else the snapshot's time. */
    countsAsOf,
    /** True when series.waitP95Ms are histogram estimates (within 4.4 % + 0.5 ms), false when exact. */
    waitP95Estimated: cutoff !== null,
    totals: {
      counts: total.counts,
      completed: total.completed,
      failed: total.failed,
      failureRate: attempts === 0 ? 0 : total.failed / attempts,
      waitMeanMs: meanOf(total),
    },
    series,
    queues: [...queues.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([queue, a]) => ({
        queue,
        paused: paused.get(queue) ?? false,
        counts: a.counts,
        completed: a.completed,
        failed: a.failed,
        waitMeanMs: meanOf(a),
      })),
    tenants: [...tenants.entries()]
      .sort(
        ([ka, a], [kb, b]) =>
          b.completed + b.failed - (a.completed + a.failed) ||
          liveCount(b) - liveCount(a) ||
          (ka < kb ? -1 : 1),
      )
      .slice(0, TOP_TENANTS)
      .map(([tenantId, a]) => ({
        tenantId,
        counts: a.counts,
        completed: a.completed,
        failed: a.failed,
        waitMeanMs: meanOf(a),
      })),
  };
}
