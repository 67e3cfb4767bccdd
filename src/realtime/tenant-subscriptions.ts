/**
 * This node's fan-out subscriptions, one per tenant that has at least one socket here.
 *
 * The first socket of a tenant subscribes (EventFanout.subscribe on the tenant's scope); the
 * others share it; the last one to leave unsubscribes. Sockets of a tenant never seen here cost
 * nothing, and a tenant whose users all left stops costing Redis traffic.
 *
 * Invariant: a tenant is in `#entries` exactly while its holder count is above zero; an entry whose
 * subscribe failed is removed, so the next socket tries again. Unsubscribing happens once, after
 * the subscribe settled, and close() waits for every one still under way.
 */
import type { EventFanout, EventHistory } from '../events/event-fanout.ts';
import type { Logger } from '../log/logger.ts';
import { safeError } from '../log/safe-error.ts';
import { TenantStream, type TenantStreamOutput } from './tenant-stream.ts';

interface Entry {
  stream: TenantStream;
  holders: number;
  subscribed: Promise<() => Promise<void>>;
}

export class TenantSubscriptions {
  readonly #entries = new Map<string, Entry>();
  readonly #unsubscribing = new Set<Promise<void>>();
  readonly #fanout: EventFanout;
  readonly #settings: {
    history: EventHistory | undefined;
    window: number;
    output: TenantStreamOutput;
    log: Logger;
  };

  constructor(
    fanout: EventFanout,
    settings: { history: EventHistory | undefined; window: number; output: TenantStreamOutput; log: Logger },
  ) {
    this.#fanout = fanout;
    this.#settings = settings;
  }

  /** Tenants subscribed on this node now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Sockets holding the tenant's subscription. */
  holders(tenantId: string): number {
    return this.#entries.get(tenantId)?.holders ?? 0;
  }

  /** Holds the tenant's stream (subscribing first if no socket of it is here); rejects if subscribing failed. */
  async acquire(tenantId: string): Promise<TenantStream> {
    let entry = this.#entries.get(tenantId);
    if (!entry) {
      const stream = new TenantStream(tenantId, this.#settings);
      const subscribed = this.#fanout.subscribe({ tenantId }, (event) => stream.receive(event));
      const created: Entry = { stream, holders: 0, subscribed };
      subscribed.catch(() => {
        if (this.#entries.get(tenantId) === created) this.#entries.delete(tenantId);
      });
      this.#entries.set(tenantId, created);
      entry = created;
    }
    entry.holders += 1;
    try {
      await entry.subscribed;
    } catch (error) {
      entry.holders -= 1;
      throw error;
    }
    return entry.stream;
  }

  /** Lets go of a stream acquired before; the last holder's release unsubscribes. */
  release(tenantId: string): void {
    const entry = this.#entries.get(tenantId);
    if (!entry) return;
    entry.holders -= 1;
    if (entry.holders > 0) return;
    this.#entries.delete(tenantId);
    const done = entry.subscribed
      .then((unsubscribe) => unsubscribe())
      .catch((error: unknown) => {
        this.#settings.log.warn({ err: safeError(error), tenantId }, 'realtime: unsubscribing failed');
      })
      .finally(() => this.#unsubscribing.delete(done));
    this.#unsubscribing.add(done);
  }

  /** Waits for unsubscribes under way (a closing gateway leaves no subscription behind). */
  async settle(): Promise<void> {
    while (this.#unsubscribing.size > 0) await Promise.all([...this.#unsubscribing]);
  }
}
