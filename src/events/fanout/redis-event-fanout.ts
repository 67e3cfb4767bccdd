/**
 * Live fan-out over Redis pub/sub, both ends: the relay's sink (`deliver` publishes each committed
 * envelope to its tenant's channel and to the global one, as Arda's services do) and the
 * subscriptions of a gateway node or an EventBus user (`subscribe`).
 *
 * Invariants:
 * - `deliver` resolves only when Redis accepted every PUBLISH of the batch, and rejects at once
 *   while Redis is unreachable (no offline queue): the relay then keeps its fan-out position and
 *   delivers the same events again later, so an outage delays fan-out and loses nothing.
 * - One subscriber connection per instance; a channel is SUBSCRIBEd while at least one listener
 *   wants it and UNSUBSCRIBEd with the last one. Changes to one channel run one after another, so
 *   a subscribe racing the last unsubscribe ends subscribed.
 * - Nothing a listener does (throwing) and nothing on the wire (a malformed message) reaches the
 *   other listeners or the process; both are counted and logged without the message's content.
 * - Pub/sub is at most once: a subscriber misses what was published while its connection was down
 *   (ioredis re-subscribes on reconnect). Consumers that must not miss events catch up from the
 *   outbox (EventHistory) by sequence.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { loadIoredis } from '../../core/load-ioredis.ts';
import { safeError } from '../../log/safe-error.ts';
import type { EventEnvelope } from '../event-envelope.ts';
import { type EventFanout, type EventFanoutSink, type EventScope, fanoutChannel } from '../event-fanout.ts';
import { parseWireEnvelope } from './wire-envelope.ts';

export interface RedisEventFanoutOptions {
  /** A redis:// URL or ioredis options. Two connections are opened: one publishes, one subscribes. */
  redis: string | RedisOptions;
  /** Channel prefix: `{prefix}:events:{tenantId}` and `{prefix}:events:global`. Default `conveyor`. */
  prefix?: string;
  log?: Logger;
}

type Listener = (event: EventEnvelope) => void;

/** How long a delivery waits for the publisher to (re)connect before it fails and is retried. */
const CONNECT_WAIT_MS = 1_000;

/** Resolves when the client is ready; rejects after `ms` (Redis down: the relay retries later). */
function readyWithin(client: Redis, ms: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', ready);
      reject(new Error(`Redis not reachable within ${ms} ms (status ${client.status})`));
    }, ms);
    const ready = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', ready);
  });
}

interface ChannelState {
  listeners: Set<Listener>;
  subscribed: boolean;
  /** The SUBSCRIBE/UNSUBSCRIBE of this channel in flight, chained. */
  change: Promise<void>;
}

export class RedisEventFanout implements EventFanout, EventFanoutSink {
  readonly name = 'redis';
  readonly prefix: string;
  readonly #redis: string | RedisOptions;
  readonly #log: Logger | undefined;
  readonly #channels = new Map<string, ChannelState>();
  #publisher: Promise<Redis> | null = null;
  #subscriber: Promise<Redis> | null = null;
  #closed = false;
  /** Messages dropped because they were not an envelope, and listener calls that threw. */
  readonly dropped = { malformed: 0, listenerErrors: 0 };

  constructor(options: RedisEventFanoutOptions) {
    const prefix = options.prefix ?? 'conveyor';
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
      throw new TypeError(
        `prefix: ${JSON.stringify(prefix)} is not a usable channel prefix; use 1-64 letters, digits, '_', '.', ':' or '-' (e.g. "arda")`,
      );
    }
    this.prefix = prefix;
    this.#redis = options.redis;
    this.#log = options.log;
  }

  async deliver(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    this.#assertOpen();
    const publisher = await this.#publisherClient();
    await readyWithin(publisher, CONNECT_WAIT_MS);
    const pipeline = publisher.pipeline();
    const global = fanoutChannel(this.prefix, { global: true });
    for (const event of events) {
      const message = JSON.stringify(event);
      if (event.tenantId !== null) {
        pipeline.publish(fanoutChannel(this.prefix, { tenantId: event.tenantId }), message);
      }
      pipeline.publish(global, message);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (!results || failed) {
      throw failed ?? new Error('Redis did not answer the fan-out pipeline');
    }
  }

  async subscribe(scope: EventScope, listener: Listener): Promise<() => Promise<void>> {
    this.#assertOpen();
    const channel = fanoutChannel(this.prefix, scope);
    let state = this.#channels.get(channel);
    if (!state) {
      state = { listeners: new Set(), subscribed: false, change: Promise.resolve() };
      this.#channels.set(channel, state);
    }
    // A Set would merge two subscriptions of one function; wrap it so each call is its own.
    const entry: Listener = (event) => listener(event);
    state.listeners.add(entry);
    try {
      await this.#sync(channel, state);
    } catch (error) {
      state.listeners.delete(entry);
      await this.#sync(channel, state).catch(() => {});
      throw error;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      state.listeners.delete(entry);
      await this.#sync(channel, state);
    };
  }

  /** The channels this instance is subscribed to, for health and leak checks. */
  subscribedChannels(): string[] {
    return [...this.#channels].filter(([, state]) => state.subscribed).map(([channel]) => channel);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const clients = await Promise.all(
      [this.#publisher, this.#subscriber].map((client) => client?.catch(() => null)),
    );
    for (const client of clients) client?.disconnect();
    this.#channels.clear();
  }

  /** Brings the channel's Redis subscription in line with its listeners, after earlier changes. */
  #sync(channel: string, state: ChannelState): Promise<void> {
    const next = state.change.then(async () => {
      const wanted = state.listeners.size > 0;
      if (wanted === state.subscribed || this.#closed) return;
      const subscriber = await this.#subscriberClient();
      // A SUBSCRIBE sent while the connection is still being set up puts it in subscriber mode
      // before ioredis's ready check (INFO), which then fails: every subscribe made by a burst of
      // first sockets on a fresh gateway did (the realtime leak test). Wait for ready first.
      await readyWithin(subscriber, CONNECT_WAIT_MS);
      if (wanted) await subscriber.subscribe(channel);
      else await subscriber.unsubscribe(channel);
      state.subscribed = wanted;
      if (!wanted && state.listeners.size === 0 && this.#channels.get(channel) === state) {
        this.#channels.delete(channel);
      }
    });
    state.change = next.catch(() => {});
    return next;
  }

  #dispatch(channel: string, message: string): void {
    const listeners = this.#channels.get(channel)?.listeners;
    if (!listeners || listeners.size === 0) return;
    const event = parseWireEnvelope(message);
    if (!event) {
      this.dropped.malformed += 1;
      this.#log?.warn(
        { channel, bytes: message.length },
        'dropped a fan-out message that is not an event envelope',
      );
      return;
    }
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.dropped.listenerErrors += 1;
        this.#log?.error({ channel, type: event.type, err: safeError(error) }, 'an event listener threw');
      }
    }
  }

  #publisherClient(): Promise<Redis> {
    this.#publisher ??= this.#connect('publisher', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    return this.#publisher;
  }

  #subscriberClient(): Promise<Redis> {
    this.#subscriber ??= this.#connect('subscriber', {}).then((client) => {
      client.on('message', (channel: string, message: string) => this.#dispatch(channel, message));
      return client;
    });
    return this.#subscriber;
  }

  async #connect(role: string, overrides: RedisOptions): Promise<Redis> {
    const RedisClient = await loadIoredis('redis', 'the Redis event fan-out');
    const base: RedisOptions = {
      lazyConnect: true,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
      ...overrides,
    };
    const client =
      typeof this.#redis === 'string'
        ? new RedisClient(this.#redis, base)
        : new RedisClient({ ...this.#redis, ...base });
    let reported = false;
    client.on('error', (error: Error) => {
      // One line per outage, not one per reconnect attempt; never the connection options.
      if (reported) return;
      reported = true;
      this.#log?.warn({ role, err: safeError(error) }, 'Redis event fan-out connection lost; reconnecting');
    });
    client.on('ready', () => {
      if (reported) this.#log?.info({ role }, 'Redis event fan-out connection back');
      reported = false;
    });
    client.connect().catch(() => {});
    return client;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('RedisEventFanout is closed');
  }
}
