/**
 * The event envelope: what the bus stores in its outbox, relays to subscribers, fans out through
 * Redis (or in-process) and what the realtime gateway emits to sockets. It is a wire format:
 * consumers ignore fields they do not know, and fields are only ever added.
 */
export interface EventEnvelope<P = unknown> {
  /** UUIDv7: unique, and sortable by creation time. */
  id: string;
  /** The event's type, e.g. `card.scanned`. */
  type: string;
  /** The version of the payload's schema for this type (see docs/events.md, versioning). */
  schemaVersion: number;
  /** The service that published it. */
  source: string;
  /** The tenant whose stream it belongs to; null for a global event. */
  tenantId: string | null;
  /**
   * Position in its stream (the tenant's, or the global stream for a global event): gap-free,
   * in commit order. A client that saw sequence n of a tenant resumes after n.
   */
  sequence: number;
  correlationId: string | null;
  causationId: string | null;
  /** ISO 8601, when it was published. */
  occurredAt: string;
  payload: P;
}
