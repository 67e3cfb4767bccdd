/**
 * The one LISTEN connection of a node-postgres driver, shared by every subscriber: wake-ups and
 * cancellations today, the event relay's channels next. A subscription LISTENs on the channels
 * no one listened to yet and UNLISTENs, when it ends, those no one else needs; the connection opens
 * with the first subscription and closes with the last.
 *
 * After a lost connection it reconnects with backoff (100 ms doubling to 5 s), LISTENs on every
 * channel again, then calls each subscription's `reconnected` (NOTIFYs sent meanwhile are gone, so
 * each subscriber looks for work once). Statements on the connection run one after another.
 *
 * Bounded: its connect by connectTimeout, each LISTEN by the statement bound, its end by
 * closeTimeout; a client that failed on the way is destroyed, never left half-open.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { safeError } from '../../log/safe-error.ts';
import type { NotificationHandlers } from '../sql-driver.ts';
import { destroyClient, endClient } from './pg-bounds.ts';

export interface ListenerDeps {
  /** Settings of a new connection (bounds included). */
  config: pg.ClientConfig;
  target: string;
  closeTimeoutMs: number;
  log: Logger;
  /** pg's timeout errors as DatabaseTimeoutError (pg-bounds.ts). */
  translate(error: unknown): unknown;
  /** Whether the driver is closed (then no reconnect). */
  closed(): boolean;
  /** Tracks the connection so a forced close can reach it. */
  track(client: pg.Client): void;
  untrack(client: pg.Client): void;
}

interface Subscription {
  handlers: NotificationHandlers;
  reconnected: () => void;
}

const quoted = (channel: string): string => `"${channel.replaceAll('"', '""')}"`;

export class SharedListener {
  readonly #deps: ListenerDeps;
  readonly #subscriptions = new Set<Subscription>();
  /** Channels LISTENed on the current connection. */
  readonly #listening = new Set<string>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #retryMs = 100;
  #timer: NodeJS.Timeout | null = null;

  constructor(deps: ListenerDeps) {
    this.#deps = deps;
  }

  /** Subscribes `handlers` (channel → handler); resolves once they are LISTENed; returns the unsubscribe. */
  async subscribe(handlers: NotificationHandlers, reconnected: () => void): Promise<() => Promise<void>> {
    const subscription: Subscription = { handlers, reconnected };
    this.#subscriptions.add(subscription);
    try {
      // While a reconnect is pending, it LISTENs on this subscription's channels too.
      if (!this.#client && !this.#timer) await this.#connectOnce();
      await this.#run(() => this.#sync());
    } catch (error) {
      this.#subscriptions.delete(subscription);
      if (this.#subscriptions.size === 0) await this.#close();
      throw error;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.#subscriptions.delete(subscription);
      if (this.#subscriptions.size === 0) await this.#close();
      else await this.#run(() => this.#sync()).catch(() => {});
    };
  }

  #wanted(): Set<string> {
    const channels = new Set<string>();
    for (const { handlers } of this.#subscriptions)
      for (const channel of Object.keys(handlers)) channels.add(channel);
    return channels;
  }

  /** LISTENs and UNLISTENs so the connection listens on exactly the channels subscribed. */
  async #sync(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    const wanted = this.#wanted();
    for (const channel of wanted) {
      if (this.#listening.has(channel)) continue;
      await client.query(`LISTEN ${quoted(channel)}`);
      this.#listening.add(channel);
    }
    for (const channel of [...this.#listening]) {
      if (wanted.has(channel)) continue;
      await client.query(`UNLISTEN ${quoted(channel)}`);
      this.#listening.delete(channel);
    }
  }

  #run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(step, step);
    this.#queue = result.catch(() => {});
    return result;
  }

  #connectOnce(): Promise<void> {
    this.#connecting ??= this.#connect(false).finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  #dispatch(channel: string, payload: string): void {
    for (const { handlers } of this.#subscriptions) handlers[channel]?.(payload);
  }

  async #connect(isReconnect: boolean): Promise<void> {
    const deps = this.#deps;
    const next = new pg.Client(deps.config);
    deps.track(next);
    next.on('notification', (message) => this.#dispatch(message.channel, message.payload ?? ''));
    next.on('error', (error) => {
      if (this.#client === next)
        deps.log.warn({ err: safeError(error), target: deps.target }, 'LISTEN connection lost; reconnecting');
      this.#scheduleReconnect(next);
    });
    next.on('end', () => this.#scheduleReconnect(next));
    try {
      await next.connect();
    } catch (error) {
      destroyClient(next);
      deps.untrack(next);
      throw deps.translate(error);
    }
    if (this.#subscriptions.size === 0 || deps.closed()) {
      await this.#end(next);
      return;
    }
    this.#client = next;
    this.#listening.clear();
    try {
      await this.#run(() => this.#sync());
    } catch (error) {
      this.#client = null;
      destroyClient(next);
      deps.untrack(next);
      throw deps.translate(error);
    }
    this.#retryMs = 100;
    if (isReconnect) for (const { reconnected } of [...this.#subscriptions]) reconnected();
  }

  #scheduleReconnect(failed: pg.Client): void {
    const deps = this.#deps;
    if (this.#subscriptions.size === 0 || deps.closed() || this.#client !== failed || this.#timer) return;
    this.#client = null;
    this.#listening.clear();
    void this.#end(failed);
    const attempt = (): void => {
      this.#timer = null;
      if (this.#subscriptions.size === 0 || deps.closed()) return;
      this.#connect(true).catch((error: unknown) => {
        deps.log.warn(
          { err: safeError(error), target: deps.target, retryMs: this.#retryMs },
          'LISTEN reconnect failed; retrying',
        );
        this.#retryMs = Math.min(this.#retryMs * 2, 5_000);
        this.#timer = setTimeout(attempt, this.#retryMs);
      });
    };
    this.#timer = setTimeout(attempt, this.#retryMs);
  }

  async #end(client: pg.Client): Promise<void> {
    await endClient(client, this.#deps.closeTimeoutMs);
    this.#deps.untrack(client);
  }

  /** Ends the connection (the last subscription left, or the driver closes). */
  async #close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#connecting?.catch(() => {});
    const current = this.#client;
    this.#client = null;
    this.#listening.clear();
    if (current) await this.#end(current);
  }

  /** Drops every subscription and ends the connection (driver close). */
  async close(): Promise<void> {
    this.#subscriptions.clear();
    await this.#close();
  }
}
