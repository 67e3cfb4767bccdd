/**
 * The Arda catalog's `EventBus` API (publish, subscribeTenant, subscribeGlobal, unsubscribeTenant,
 * ping, shutdown) over the durable bus, so a service switches by changing an import:
 *
 *   import { PubSubEventBus as EventBus } from 'conveyor-jobs';
 *   const eventBus = new EventBus(bus, { events, conveyor }); // bus = createEventBus({ conveyor, events })
 *
 * Differences that are the point: `publish` writes to the outbox (pass `{ tx }` to publish with
 * the business change) instead of a fire-and-forget PUBLISH, and subscribers receive what the relay
 * fanned out, committed events only. Handlers receive the event as published (the envelope's
 * payload), as before. The event's definition is found by its `type` among the bus's `events`.
 */
import type { Conveyor } from '../client/conveyor-api.ts';
import { ValidationError } from '../core/errors.ts';
import type { SqlExecutor } from '../core/sql-executor.ts';
import type { EventBus } from './event-bus.ts';
import type { AnyEventDefinition } from './event-definition.ts';
import type { EventScope } from './event-fanout.ts';

/** What the seed's events share: a type and (for tenant events) a tenant. */
export interface PubSubEvent {
  type: string;
  tenantId?: string;
}

type Handler<E> = (event: E) => void;

export class PubSubEventBus<E extends PubSubEvent = PubSubEvent> {
  readonly #bus: EventBus;
  readonly #conveyor: Conveyor;
  readonly #definitions: Map<string, AnyEventDefinition>;
  /** Unsubscribe functions per tenant and handler ('' key: global). */
  readonly #subscriptions = new Map<string, Map<Handler<E>, (() => Promise<void>)[]>>();

  constructor(bus: EventBus, options: { events: AnyEventDefinition[]; conveyor: Conveyor }) {
    this.#bus = bus;
    this.#conveyor = options.conveyor;
    this.#definitions = new Map((options.events ?? []).map((d) => [d.type, d]));
  }

  /** Publishes to the tenant's stream (and so to the global one); with `tx`, in your transaction. */
  async publish(event: E, options: { tx?: SqlExecutor } = {}): Promise<void> {
    const definition = this.#definitions.get(event?.type);
    if (!definition) {
      throw new ValidationError(
        'event.type',
        `${JSON.stringify(event?.type)} has no event definition; pass it in new PubSubEventBus(bus, { events })`,
      );
    }
    await this.#bus.publish(definition, event as never, {
      ...(event.tenantId === undefined ? { global: true } : { tenantId: event.tenantId }),
      ...(options.tx ? { tx: options.tx } : {}),
    });
  }

  subscribeTenant(tenantId: string, handler: Handler<E>): Promise<void> {
    if (typeof tenantId !== 'string' || tenantId.length === 0) {
      return Promise.reject(new ValidationError('tenantId', 'must be a non-empty string'));
    }
    return this.#subscribe(tenantId, { tenantId }, handler);
  }

  subscribeGlobal(handler: Handler<E>): Promise<void> {
    return this.#subscribe('', { global: true }, handler);
  }

  async unsubscribeTenant(tenantId: string, handler: Handler<E>): Promise<void> {
    const byHandler = this.#subscriptions.get(tenantId);
    const offs = byHandler?.get(handler) ?? [];
    byHandler?.delete(handler);
    if (byHandler?.size === 0) this.#subscriptions.delete(tenantId);
    await Promise.all(offs.map((off) => off()));
  }

  /** True when the database answers (the outbox is the bus). */
  async ping(): Promise<boolean> {
    try {
      await this.#conveyor.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** Drops every subscription made through this facade (the bus and Conveyor stay open). */
  async shutdown(): Promise<void> {
    const all = [...this.#subscriptions.values()].flatMap((m) => [...m.values()].flat());
    this.#subscriptions.clear();
    await Promise.all(all.map((off) => off()));
  }

  async #subscribe(key: string, scope: EventScope, handler: Handler<E>): Promise<void> {
    if (typeof handler !== 'function')
      throw new ValidationError('handler', 'must be a function (event) => void');
    const off = await this.#bus.fanout.subscribe(scope, (envelope) => handler(envelope.payload as E));
    let byHandler = this.#subscriptions.get(key);
    if (!byHandler) {
      byHandler = new Map();
      this.#subscriptions.set(key, byHandler);
    }
    byHandler.set(handler, [...(byHandler.get(handler) ?? []), off]);
  }
}
