/**
 * One tenant's live events on this node, as they come from the fan-out, made into an ordered,
 * gap-free, duplicate-free stream before they reach sockets.
 *
 * The fan-out is best effort (Redis pub/sub): after an outage the relay sends some events again,
 * and a node can miss some. So, by `sequence`:
 * - an event at or below the last one passed is a duplicate and is dropped;
 * - an event past a gap holds the stream (later events queue behind it) while the missing ones
 *   are read from the history; they pass first, in order. If the history cannot fill the gap
 *   (pruned, too many, unavailable) the tenant's sockets get `reset` and the stream goes on.
 * - the first event after subscribing sets the starting point.
 *
 * Invariant: events leave `pass` in strictly increasing sequence; every resumer registered at that
 * moment gets them too (a socket catching up buffers them, see event-resume.ts).
 */
import type { EventEnvelope } from '../events/event-envelope.ts';
import type { EventHistory } from '../events/event-fanout.ts';
import type { Logger } from '../log/logger.ts';
import { safeError } from '../log/safe-error.ts';

/** A socket catching up from the history: live events wait here until it has replayed. */
export interface Resumer {
  buffer: EventEnvelope[];
}

export interface TenantStreamOutput {
  /** Sends an event to the tenant's sockets on this node. */
  emit(event: EventEnvelope): void;
  /** Tells the tenant's sockets that events were lost and they must refetch. */
  reset(tenantId: string, lastSequence: number): void;
}

function isEnvelope(value: unknown): value is EventEnvelope {
  const event = value as Partial<EventEnvelope> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.type === 'string' &&
    event.type.length > 0 &&
    Number.isSafeInteger(event.sequence)
  );
}

export class TenantStream {
  readonly tenantId: string;
  readonly resumers = new Set<Resumer>();
  #last: number | null = null;
  #filling = false;
  #pending: EventEnvelope[] = [];
  readonly #history: EventHistory | undefined;
  readonly #window: number;
  readonly #output: TenantStreamOutput;
  readonly #log: Logger;

  constructor(
    tenantId: string,
    settings: { history: EventHistory | undefined; window: number; output: TenantStreamOutput; log: Logger },
  ) {
    this.tenantId = tenantId;
    this.#history = settings.history;
    this.#window = settings.window;
    this.#output = settings.output;
    this.#log = settings.log;
  }

  /** The sequence of the last event passed; null before the first. */
  get lastSequence(): number | null {
    return this.#last;
  }

  /** A message from the fan-out (any value: it was JSON on the wire). */
  receive(value: unknown): void {
    if (!isEnvelope(value)) {
      this.#log.warn(
        { tenantId: this.tenantId },
        'realtime: dropped a fan-out message that is not an event envelope',
      );
      return;
    }
    // Tenancy: a tenant's stream carries only its own events, whatever arrives on its channel.
    if (value.tenantId !== this.tenantId) {
      this.#log.warn(
        { tenantId: this.tenantId, type: value.type },
        "realtime: dropped another tenant's event",
      );
      return;
    }
    if (this.#filling) {
      this.#pending.push(value);
      return;
    }
    this.#accept(value);
  }

  #accept(event: EventEnvelope): void {
    const last = this.#last;
    if (last !== null && event.sequence <= last) return;
    if (last !== null && event.sequence > last + 1) {
      this.#filling = true;
      this.#pending.push(event);
      void this.#fill(last);
      return;
    }
    this.#pass(event);
  }

  #pass(event: EventEnvelope): void {
    this.#last = event.sequence;
    for (const resumer of this.resumers) resumer.buffer.push(event);
    try {
      this.#output.emit(event);
    } catch (error) {
      this.#log.error(
        { err: safeError(error), tenantId: this.tenantId },
        'realtime: emitting an event failed',
      );
    }
  }

  /** Reads the events after `after` from the history, then lets the queued ones through. */
  async #fill(after: number): Promise<void> {
    let filled: EventEnvelope[] = [];
    let complete = false;
    if (this.#history) {
      try {
        const read = await this.#history.since({
          tenantId: this.tenantId,
          afterSequence: after,
          limit: this.#window,
        });
        filled = read.events.filter((event) => isEnvelope(event) && event.tenantId === this.tenantId);
        complete = read.complete;
      } catch (error) {
        this.#log.warn({ err: safeError(error), tenantId: this.tenantId }, 'realtime: history read failed');
      }
    }
    const queued = this.#pending;
    this.#pending = [];
    this.#filling = false;
    const firstQueued = queued[0]?.sequence ?? Number.POSITIVE_INFINITY;
    const reachesQueued = complete && filled.some((event) => event.sequence === firstQueued - 1);
    if (!reachesQueued) {
      // Some events between `after` and the queued ones are not to be had: clients refetch.
      this.#output.reset(this.tenantId, after);
    }
    const ordered = [...filled, ...queued].sort((a, b) => a.sequence - b.sequence);
    for (const event of ordered) {
      if (this.#last === null || event.sequence > this.#last) this.#pass(event);
    }
  }
}
