/**
 * The overall age limit of run history (`retention.history.age`, default 30 days): run rows of
 * any queue and status finished before it are deleted in batches of 1,000 (the per-queue count and
 * age rules of the pruner still apply first), and so are alert incidents resolved before it (an
 * open one stays, however old). Covers queues no running process registers, so neither `job_runs`
 * nor `alert_incidents` can grow without bound.
 */
import type { Logger } from 'pino';
import { PeriodicTask } from '../maintenance/periodic-task.ts';
import { PRUNE_BATCH, untilShort } from '../maintenance/pruner.ts';
import type { Service } from '../runtime/service.ts';
import type { Store } from '../store/store.ts';

export interface HistoryPruneReport {
  /** Run rows deleted. */
  runs: number;
  /** Resolved alert incidents deleted. */
  incidents: number;
}

export async function pruneHistory(store: Store, maxAgeMs: number, now: Date): Promise<HistoryPruneReport> {
  const before = new Date(now.getTime() - maxAgeMs);
  return {
    runs: await untilShort(() => store.runPruneBefore({ finishedBefore: before, limit: PRUNE_BATCH })),
    incidents: await untilShort(() =>
      store.analyticsIncidentPrune({ resolvedBefore: before, limit: PRUNE_BATCH }),
    ),
  };
}

export class HistoryRetention implements Service {
  readonly name = 'history-retention';
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
        const report = await pruneHistory(await store(), maxAgeMs, now());
        if (report.runs + report.incidents > 0)
          log.info({ ...report, maxAgeMs }, 'history retention deleted old run rows and incidents');
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
