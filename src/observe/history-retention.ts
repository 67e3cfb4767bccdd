/**
 * The overall age limit of run history (`retention.history.age`, default 30 days): run rows of
 * any queue and status finished before it are deleted in batches of 1,000 (the per-queue count and
 * age rules of the pruner still apply first), and so are alert incidents resolved before it (an
 * open one stays, however old). Covers queues no running process registers, so neither `job_runs`
 * nor `alert_incidents` can grow without bound.
 */
import type { Logger } from 'pino';
import { PRUNE_BATCH, untilShort } from '../maintenance/pruner.ts';
import { RetentionService } from '../maintenance/retention-service.ts';
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

export class HistoryRetention extends RetentionService {
  constructor(
    store: () => Promise<Store>,
    maxAgeMs: number,
    now: () => Date,
    intervalMs: number,
    log: Logger,
  ) {
    super('history-retention', intervalMs, log, async () => {
      const report = await pruneHistory(await store(), maxAgeMs, now());
      if (report.runs + report.incidents > 0)
        log.info({ ...report, maxAgeMs }, 'history retention deleted old run rows and incidents');
    });
  }
}
