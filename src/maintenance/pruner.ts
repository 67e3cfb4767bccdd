/**
 * Applies retention: completed runs, and dead or cancelled jobs, kept per queue by count and age
 * (like Bull's removeOnComplete / removeOnFail), deleted in batches of 1,000 so no statement holds
 * locks for long. When nothing is due each rule costs one index probe, so idle cost stays flat.
 */
import type { Logger } from 'pino';
import type { Service } from '../runtime/service.ts';
import type { RetentionRule, RunStatus, Store } from '../store/store.ts';
import { runsFinalBefore } from './overview-rollup.ts';
import { PeriodicTask } from './periodic-task.ts';

/** Rows per delete statement: no statement holds its locks for long. */
export const PRUNE_BATCH = 1_000;

export interface RetentionPolicy {
  /** Completed jobs (their run rows) to keep: newest `count`, none older than `ageMs`. */
  completed: { count: number | null; ageMs: number | null };
  /** Dead and cancelled jobs to keep. */
  failed: { count: number | null; ageMs: number | null };
}

export interface PruneReport {
  /** Completed run rows deleted. */
  completed: number;
  /** Dead and cancelled jobs deleted. */
  failed: number;
  /** Run rows of failed, dead, stalled or cancelled attempts deleted (same rule as `failed`). */
  failedRuns: number;
  /** Expired unique-key reservations deleted. */
  keys: number;
}

const FAILURE_STATUSES: RunStatus[] = ['failed', 'dead', 'stalled', 'cancelled'];

/** Repeats a batched delete until a batch comes back short; returns the total deleted. */
export async function untilShort(deleteBatch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let deleted = PRUNE_BATCH; deleted >= PRUNE_BATCH; total += deleted) deleted = await deleteBatch();
  return total;
}

/** The earlier of two bounds, either of which may be absent. */
const earlier = (a: Date | null, b: Date | null): Date | null =>
  a === null ? b : b === null || a.getTime() <= b.getTime() ? a : b;

/**
 * `readWindows`: how far back readers of the run history need each queue's rows (ms; key `null`:
 * every queue), e.g. the error-rate alert rules (alerts/alert-rules.ts errorRateWindows).
 */
export async function pruneOnce(
  store: Store,
  queues: ReadonlyMap<string, RetentionPolicy>,
  now: Date,
  readWindows: ReadonlyMap<string | null, number> = new Map(),
): Promise<PruneReport> {
  const report: PruneReport = { completed: 0, failed: 0, failedRuns: 0, keys: 0 };
  // Run rows the overview rollup may still read are left alone (runsFinalBefore), and so are
  // those inside a reader's window.
  const finalBefore = runsFinalBefore((await store.overviewRollupState()).rolledUntil, now);
  const keepFromOf = (queue: string): Date | null => {
    const windowMs = Math.max(readWindows.get(queue) ?? 0, readWindows.get(null) ?? 0);
    return earlier(finalBefore, windowMs > 0 ? new Date(now.getTime() - windowMs) : null);
  };
  const rule = (queue: string, keep: RetentionPolicy['completed']): RetentionRule => ({
    queue,
    keepCount: keep.count,
    finishedBefore: keep.ageMs === null ? null : new Date(now.getTime() - keep.ageMs),
    limit: PRUNE_BATCH,
  });
  for (const [queue, policy] of queues) {
    const keepFrom = keepFromOf(queue);
    report.completed += await untilShort(() =>
      store.runPrune({ ...rule(queue, policy.completed), statuses: ['completed'], keepFrom }),
    );
    report.failed += await untilShort(() => store.jobPruneFinished(rule(queue, policy.failed)));
    report.failedRuns += await untilShort(() =>
      store.runPrune({ ...rule(queue, policy.failed), statuses: FAILURE_STATUSES, keepFrom }),
    );
  }
  report.keys += await untilShort(() => store.keyPruneExpired({ now, limit: PRUNE_BATCH }));
  return report;
}

export class Pruner implements Service {
  readonly name = 'pruner';
  readonly #task: PeriodicTask;

  constructor(
    store: () => Promise<Store>,
    queues: () => ReadonlyMap<string, RetentionPolicy>,
    now: () => Date,
    intervalMs: number,
    log: Logger,
    readWindows: ReadonlyMap<string | null, number> = new Map(),
  ) {
    this.#task = new PeriodicTask(
      'pruner',
      async () => {
        const report = await pruneOnce(await store(), queues(), now(), readWindows);
        if (report.completed + report.failed + report.failedRuns + report.keys > 0)
          log.info(report, 'retention pruned finished jobs');
        return intervalMs;
      },
      log,
    );
  }

  async start(): Promise<void> {
    this.#task.start(1_000);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
