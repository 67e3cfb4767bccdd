/**
 * Retention of fan-out handled marks (`notify_handled_events`, one row per event and rule set):
 * the leader deletes marks older than `age` (default 30 days) in batches of 1,000 every interval.
 *
 * Invariant: `age` must outlast the bus's event retention (default 7 days), so a replay of any
 * event still stored finds its mark and writes nothing twice; createNotifier refuses a shorter one
 * than 1 day.
 */
import type { Logger } from 'pino';
import { PeriodicTask } from '../maintenance/periodic-task.ts';
import { PRUNE_BATCH, untilShort } from '../maintenance/pruner.ts';
import type { Service } from '../runtime/service.ts';
import type { NotificationStore } from '../store/notification-store.ts';

export async function pruneHandledMarks(store: NotificationStore, ageMs: number, now: Date): Promise<number> {
  const before = new Date(now.getTime() - ageMs);
  return untilShort(() => store.notifyHandledPrune({ before, limit: PRUNE_BATCH }));
}

export class HandledMarkRetention implements Service {
  readonly name = 'notification-handled-retention';
  readonly #task: PeriodicTask;

  constructor(
    store: () => Promise<NotificationStore>,
    ageMs: number,
    now: () => Date,
    intervalMs: number,
    log: Logger,
  ) {
    this.#task = new PeriodicTask(
      this.name,
      async () => {
        const deleted = await pruneHandledMarks(await store(), ageMs, now());
        if (deleted > 0) log.info({ deleted, ageMs }, 'notification handled marks pruned');
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
