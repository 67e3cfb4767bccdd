/**
 * Retention of fan-out handled marks (`notify_handled_events`, one row per event and rule set):
 * the leader deletes marks older than `age` (default 30 days) in batches of 1,000 every interval.
 *
 * Invariant: `age` must outlast the bus's event retention (default 7 days), so a replay of any
 * event still stored finds its mark and writes nothing twice; createNotifier refuses a shorter one
 * than 1 day.
 */
import type { Logger } from 'pino';
import { PRUNE_BATCH, untilShort } from '../maintenance/pruner.ts';
import { RetentionService } from '../maintenance/retention-service.ts';
import type { NotificationStore } from '../store/notification-store.ts';

export async function pruneHandledMarks(store: NotificationStore, ageMs: number, now: Date): Promise<number> {
  const before = new Date(now.getTime() - ageMs);
  return untilShort(() => store.notifyHandledPrune({ before, limit: PRUNE_BATCH }));
}

export class HandledMarkRetention extends RetentionService {
  constructor(
    store: () => Promise<NotificationStore>,
    ageMs: number,
    now: () => Date,
    intervalMs: number,
    log: Logger,
  ) {
    super('notification-handled-retention', intervalMs, log, async () => {
      const deleted = await pruneHandledMarks(await store(), ageMs, now());
      if (deleted > 0) log.info({ deleted, ageMs }, 'notification handled marks pruned');
    });
  }
}
