/** The wire envelope of an outbox row (what subscribers, sinks and history readers receive). */
import type { NewEvent, StoredEvent } from '../store/event-store.ts';
import type { EventEnvelope } from './event-envelope.ts';

export function envelopeOf(event: NewEvent, sequence: number): EventEnvelope {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    source: event.source,
    tenantId: event.tenantId,
    sequence,
    correlationId: event.correlationId,
    causationId: event.causationId,
    occurredAt: event.occurredAt.toISOString(),
    payload: event.payload,
  };
}

export function envelopeOfStored(event: StoredEvent): EventEnvelope {
  return envelopeOf(event, event.sequence);
}
