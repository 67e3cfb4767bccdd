/**
 * The overall age limit of run history (`retention.history.age`, default 30 days): run rows of
 * any queue and status finished before it are deleted in batches of 1,000 (the per-queue count and
 * age rules of the pruner still apply first). Covers queues no running process registers, so
 * `job_runs` cannot grow without bound.
 */
import type { Logger } from 'pino';
import { PeriodicTask } from '../maintenance/periodic-task.ts';
import type { Store } from '../store/store.ts';

const BATCH = 1_000;

export async function pruneHistory(store: Store, maxAgeMs: number, now: Date): Promise<number> {
  const finishedBefore = new Date(now.getTime() - maxAgeMs);
  let total = 0;
  for (let deleted = BATCH; deleted >= BATCH; total += deleted) {
    deleted = await store.runPruneBefore({ finishedBefore, limit: BATCH });
  }
  return total;
}

export class HistoryRetention {
  readonly #task: PeriodicTask;

  constructor(
    store: () => Promise<Store>,
    maxAgeMs: number,
    now: () => Date,
    intervalMs: number,
    log: Logger,
  ) {
    this.#task = new PeriodicTask(
      'history-retention',
      async () => {
        const deleted = await pruneHistory(await store(), maxAgeMs, now());
        if (deleted > 0) log.info({ deleted, maxAgeMs }, 'history retention deleted old run rows');
        return intervalMs;
      },
      log,
    );
  }

  start(): void {
    this.#task.start(1_000);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
