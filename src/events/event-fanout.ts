/**
 * The contracts between the event bus and what consumes its stream live (the realtime gateway):
 *
 * - EventFanout: committed events, as the relay hands them out. Over Redis pub/sub each event is
 *   published to `{prefix}:events:{tenantId}` (a tenant's event) and to `{prefix}:events:global`
 *   (every event), the message being the JSON envelope; without Redis, in-process and over
 *   LISTEN/NOTIFY. At most once, best effort: a subscriber that missed some catches up from the
 *   history (EventHistory), by sequence.
 * - EventHistory: the outbox read back, for a client that reconnects with the last sequence it saw.
 */
import type { EventEnvelope } from './event-envelope.ts';

export type EventScope = { tenantId: string } | { global: true };

export interface EventFanout {
  /**
   * Delivers every event of the scope (a tenant's stream, or every event for `global`) to
   * `listener` until the returned function is called. Resolves once subscribed.
   */
  subscribe(scope: EventScope, listener: (event: EventEnvelope) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface EventHistory {
  /**
   * The tenant's events after `afterSequence`, oldest first, at most `limit`. `complete` is false
   * when events after `afterSequence` were already pruned (retention) or more than `limit` are
   * left: the client must refetch its state instead of replaying.
   */
  since(params: { tenantId: string; afterSequence: number; limit: number }): Promise<{
    events: EventEnvelope[];
    complete: boolean;
  }>;
}

/** The Redis channel of a scope: `{prefix}:events:{tenantId}` or `{prefix}:events:global`. */
export function fanoutChannel(prefix: string, scope: EventScope): string {
  return 'global' in scope ? `${prefix}:events:global` : `${prefix}:events:${scope.tenantId}`;
}

/**
 * Where the relay hands committed events out live (Redis pub/sub, or in-process and
 * LISTEN/NOTIFY without Redis). The relay calls `deliver` with events in sequence order per
 * stream and advances its persisted fan-out position only after `deliver` resolved: a sink that
 * throws (Redis down) gets the same events again later, so an outage delays fan-out and loses
 * nothing (consumers may see an event twice across an outage; they dedupe by sequence).
 */
export interface EventFanoutSink {
  /** Names the sink in logs, metrics and health (e.g. `redis`, `local`). */
  readonly name: string;
  deliver(events: readonly EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}
