/**
 * EventHistory over the outbox: a tenant's events after the sequence a client last saw, for a
 * gateway resuming a reconnecting socket. `complete` is false, and the client must refetch its
 * state, when retention already deleted events after that sequence, when more than `limit` are
 * left, or when the client's sequence is beyond the stream's end (another database, or a reset).
 */
import { ValidationError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import type { EventHistory } from './event-fanout.ts';
import { envelopeOfStored } from './stored-envelope.ts';

export function createEventHistory(store: () => Promise<Store>): EventHistory {
  return {
    async since({ tenantId, afterSequence, limit }) {
      if (typeof tenantId !== 'string' || tenantId.length === 0) {
        throw new ValidationError('tenantId', 'must be a non-empty string');
      }
      if (!Number.isSafeInteger(afterSequence) || afterSequence < 0) {
        throw new ValidationError(
          'afterSequence',
          `must be a whole number from 0, got ${String(afterSequence)}`,
        );
      }
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new ValidationError('limit', `must be a whole number from 1 to 10,000, got ${String(limit)}`);
      }
      const found = await (await store()).eventListSince({
        stream: tenantId,
        afterSequence,
        limit: limit + 1,
      });
      if (!found) return { events: [], complete: afterSequence === 0 };
      const complete =
        found.prunedSequence <= afterSequence &&
        afterSequence <= found.lastSequence &&
        found.events.length <= limit;
      return { events: found.events.slice(0, limit).map(envelopeOfStored), complete };
    },
  };
}
