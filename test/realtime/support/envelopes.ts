/** Event envelopes for the tests, as the bus would write them. */
import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '../../../src/events/event-envelope.ts';

export function envelope<P>(tenantId: string, sequence: number, type: string, payload: P): EventEnvelope<P> {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    source: 'test',
    tenantId,
    sequence,
    correlationId: null,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload,
  };
}
