/**
 * Event retention (default 7 days): events that occurred before the age limit and whose durable
 * subscribers already have their jobs are deleted in batches of 1,000 (event-prune.sql), by the
 * leader of the maintenance role. An undispatched event is never deleted, however old; a fan-out
 * sink that was down for longer than the retention skips what is gone (its clients are told to
 * refetch by EventHistory).
 */
import type { Logger } from 'pino';
import { PRUNE_BATCH, untilShort } from '../maintenance/pruner.ts';
import { RetentionService } from '../maintenance/retention-service.ts';
import type { Store } from '../store/store.ts';

export async function pruneEvents(store: Store, maxAgeMs: number, now: Date): Promise<number> {
  const before = new Date(now.getTime() - maxAgeMs);
  return untilShort(() => store.eventPrune({ before, limit: PRUNE_BATCH }));
}

export class EventRetention extends RetentionService {
  constructor(
    store: () => Promise<Store>,
    maxAgeMs: number,
    now: () => Date,
    intervalMs: number,
    log: Logger,
  ) {
    super('event-retention', intervalMs, log, async () => {
      const deleted = await pruneEvents(await store(), maxAgeMs, now());
      if (deleted > 0) log.info({ deleted, maxAgeMs }, 'event retention deleted old events');
    });
  }
}
