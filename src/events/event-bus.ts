/**
 * `createEventBus({ conveyor })`: the typed event bus over a Conveyor (docs/events.md). Kept apart
 * from the Conveyor object so a worker-only process never loads it.
 *
 * - `publish` validates and appends to the outbox: inside your transaction with `{ tx }`, else
 *   coalesced with concurrent publishes (event-publisher.ts). Rolled back: nothing, anywhere.
 * - `subscribe` declares a durable subscriber: Conveyor jobs, at least once, retried 1 s / 4 s /
 *   16 s, then the dead-letter queue (event-subscriptions.ts).
 * - The relay (event-relay.ts) runs in the process's ServiceRuntime as leader of the `events` role,
 *   whenever the runtime is in use here (a worker started, or `bus.start()`).
 * - `fanout` is the live stream (Redis when configured, else in-process + LISTEN/NOTIFY), and
 *   `history` the outbox read back by sequence.
 */
import type { Conveyor } from '../client/conveyor-api.ts';
import { type ConveyorInternals, internalsOf } from '../client/conveyor-internals.ts';
import { type Duration, parseDuration } from '../core/duration.ts';
import { ConveyorError, ValidationError } from '../core/errors.ts';
import type { SqlExecutor } from '../core/sql-executor.ts';
import { writeIsolated } from '../store/batch-isolation.ts';
import type { NewEvent } from '../store/event-store.ts';
import type { AnyEventDefinition, EventInput, EventPayload } from './event-definition.ts';
import type { EventEnvelope } from './event-envelope.ts';
import type { EventFanout, EventFanoutSink, EventHistory } from './event-fanout.ts';
import { createEventHistory } from './event-history.ts';
import { type EventLag, EventMetrics } from './event-metrics.ts';
import { PublishBatcher, type PublishOptions, prepareEvents } from './event-publisher.ts';
import { EventRelay } from './event-relay.ts';
import { type ReplayOptions, replayEvents } from './event-replay.ts';
import { EventRetention, pruneEvents } from './event-retention.ts';
import {
  createSubscription,
  likePattern,
  type SubscribeOptions,
  type SubscriberHandler,
  type Subscription,
} from './event-subscriptions.ts';
import { bridgeLifecycleEvents } from './lifecycle-bridge.ts';
import { LocalEventFanout } from './local-event-fanout.ts';
import { envelopeOf } from './stored-envelope.ts';

export interface EventBusOptions {
  conveyor: Conveyor;
  /** The publishing service's name in every envelope (default `conveyor`). */
  source?: string;
  /** Event definitions this process knows: upcasting for subscribers, and lookup by type. */
  events?: AnyEventDefinition[];
  /** Extra fan-out sinks (e.g. a RedisEventFanout); the first one that is also an EventFanout becomes `fanout`. */
  sinks?: (EventFanoutSink & Partial<EventFanout>)[];
  /** In-process + LISTEN/NOTIFY fan-out (default true). */
  localFanout?: boolean;
  /** The relay's settings, or false: this process never relays (another one does). */
  relay?: { pollInterval?: Duration } | false;
  /** How long events are kept (default 7 days), or false to keep them. */
  retention?: { age?: Duration; interval?: Duration } | false;
  /** Publish the job lifecycle events of these queues as bus events (`job.completed`…). */
  lifecycle?: { queues: string[] };
  /** How long consumer lag is reused between scrapes (default 5000 ms). */
  lagCacheMs?: number;
}

export type PublishManyResult = { ok: true; event: EventEnvelope } | { ok: false; error: Error };

export interface EventBus {
  /**
   * Publishes one event: validated (a ValidationError names the field; nothing is written), then
   * durable when this resolves (with `tx`: when your transaction commits). Returns its envelope
   * (a dual-published event's deprecated twin is written too, not returned).
   *
   * @example
   * await client.query('BEGIN');
   * await client.query('UPDATE cards SET stage = $1 WHERE id = $2', ['triggered', cardId]);
   * await bus.publish(cardTransition, { cardId, loopId, toStage: 'triggered' }, { tenantId, tx: client });
   * await client.query('COMMIT');
   */
  publish<D extends AnyEventDefinition>(
    event: D,
    payload: EventInput<D>,
    options?: PublishOptions,
  ): Promise<EventEnvelope<EventPayload<D>>>;
  /** Publishes many: each item validated alone; a bad item gets its error, the others are written. */
  publishMany(
    items: { event: AnyEventDefinition; payload: unknown; options?: Omit<PublishOptions, 'tx'> }[],
    options?: { tx?: SqlExecutor },
  ): Promise<PublishManyResult[]>;
  /**
   * Declares a durable subscriber (`card.*`, a type, `*`, or a definition); its handler runs as a
   * Conveyor job on any worker of its queue (default `events`). Call before starting workers.
   */
  subscribe<D extends AnyEventDefinition>(
    event: D,
    handler: SubscriberHandler<EventPayload<D>>,
    options: SubscribeOptions,
  ): Promise<Subscription>;
  subscribe(pattern: string, handler: SubscriberHandler, options: SubscribeOptions): Promise<Subscription>;
  /** Removes a durable subscription for the whole cluster (its pending jobs still run). */
  unsubscribe(name: string): Promise<boolean>;
  /** Re-delivers one subscriber's events of a tenant (or the global stream) in a time window. */
  replay(options: ReplayOptions): Promise<{ enqueued: number }>;
  /** The live stream: Redis when configured, else in-process + LISTEN/NOTIFY. */
  readonly fanout: EventFanout;
  /** The outbox read back by sequence (gateway resume). */
  readonly history: EventHistory;
  /** Consumer lag per durable subscriber and fan-out sink. */
  lag(): Promise<EventLag[]>;
  /** Applies event retention now; returns how many events were deleted. */
  prune(): Promise<number>;
  /** Runs this process's services (the relay, when elected) without a worker; idempotent. */
  start(): Promise<void>;
  /** Resolves after the relay's next complete pass here (tests, scripts); at once if it does not run here. */
  relayed(): Promise<void>;
  /** Stops what the bus started here and waits for pending publishes. Conveyor.close() calls it. */
  close(): Promise<void>;
}

export function createEventBus(options: EventBusOptions): EventBus {
  const internals: ConveyorInternals = internalsOf(options?.conveyor, 'createEventBus.conveyor');
  const { store, log, now } = internals;
  const source = options.source ?? 'conveyor';
  if (typeof source !== 'string' || source.length === 0 || source.length > 256) {
    throw new ValidationError(
      'createEventBus.source',
      'must be a non-empty string of at most 256 characters',
    );
  }
  const definitions = new Map<string, AnyEventDefinition>();
  const know = (definition: AnyEventDefinition, field: string): void => {
    const known = definitions.get(definition?.type);
    if (known && known !== definition) {
      throw new ValidationError(field, `two definitions of event type "${definition.type}"`);
    }
    definitions.set(definition.type, definition);
  };
  for (const [index, definition] of (options.events ?? []).entries())
    know(definition, `createEventBus.events[${index}]`);

  const metrics = new EventMetrics(internals.metrics, store, now, options.lagCacheMs);
  const local =
    options.localFanout === false ? null : new LocalEventFanout({ store, notifier: internals.notifier, log });
  const extra = options.sinks ?? [];
  const sinks: EventFanoutSink[] = [...(local ? [local] : []), ...extra];
  const live = (extra.find((s) => typeof s.subscribe === 'function') as EventFanout | undefined) ?? local;
  const relay =
    options.relay === false
      ? null
      : new EventRelay({
          store,
          notifier: internals.notifier,
          sinks,
          metrics,
          log,
          now,
          wake: (queue) => internals.wake(queue),
          pollIntervalMs:
            options.relay?.pollInterval === undefined
              ? 1_000
              : parseDuration(options.relay.pollInterval, 'createEventBus.relay.pollInterval'),
        });
  if (relay) internals.runtime.add(relay, 'leader', { role: 'events' });
  const retention = options.retention === false ? null : (options.retention ?? {});
  const retentionMs = retention ? parseDuration(retention.age ?? '7d', 'createEventBus.retention.age') : null;
  if (retention && retentionMs !== null) {
    const interval = parseDuration(retention.interval ?? '1m', 'createEventBus.retention.interval');
    internals.runtime.add(new EventRetention(store, retentionMs, now, interval, log), 'leader');
  }

  const batcher = new PublishBatcher(store);
  const prepare = (
    event: AnyEventDefinition,
    payload: unknown,
    publishOptions: unknown,
    path?: string,
  ): NewEvent[] => {
    const { tx: _tx, ...rest } = (publishOptions ?? {}) as PublishOptions;
    return prepareEvents(event, payload, rest, {
      now: now(),
      source,
      maxPayloadBytes: internals.maxPayloadBytes,
      ...(path ? { path } : {}),
    });
  };
  const committed = (events: readonly NewEvent[], started: number): void => {
    const seconds = (performance.now() - started) / 1_000;
    for (const event of events) metrics.published(event.type, seconds);
    relay?.wake();
  };
  const subscriptions = new Map<string, Subscription>();
  let release: (() => Promise<void>) | null = null;
  let closed = false;
  let stopLifecycle: (() => void) | null = null;

  const bus: EventBus = {
    async publish(event, payload, publishOptions) {
      if (closed) throw new ConveyorError('CLOSED', 'this event bus is closed');
      const started = performance.now();
      const rows = prepare(event, payload, publishOptions);
      const tx = publishOptions?.tx;
      let envelopes: EventEnvelope[];
      if (tx) {
        const written = await (await store()).eventPublishMany({ events: rows, executor: tx });
        envelopes = rows.map((row, i) => envelopeOf(row, written[i]!.sequence));
        // Inside the caller's transaction: the relay's NOTIFY arrives when it commits.
        const seconds = (performance.now() - started) / 1_000;
        for (const row of rows) metrics.published(row.type, seconds);
      } else {
        envelopes = await batcher.publish(rows);
        committed(rows, started);
      }
      return envelopes[0] as EventEnvelope<never>;
    },

    async publishMany(items, manyOptions = {}) {
      if (closed) throw new ConveyorError('CLOSED', 'this event bus is closed');
      if (!Array.isArray(items))
        throw new ValidationError('items', 'must be an array of { event, payload, options }');
      const started = performance.now();
      const results: PublishManyResult[] = new Array(items.length);
      const units: { index: number; rows: NewEvent[] }[] = [];
      items.forEach((item, index) => {
        try {
          units.push({ index, rows: prepare(item?.event, item?.payload, item?.options, `items[${index}]`) });
        } catch (error) {
          results[index] = { ok: false, error: error as Error };
        }
      });
      const s = await store();
      const write = async (batch: typeof units) => {
        const written = await s.eventPublishMany({
          events: batch.flatMap((u) => u.rows),
          ...(manyOptions.tx ? { executor: manyOptions.tx } : {}),
        });
        let row = 0;
        for (const unit of batch) {
          const envelopes = unit.rows.map((r) => envelopeOf(r, written[row++]!.sequence));
          results[unit.index] = { ok: true, event: envelopes[0]! };
        }
      };
      if (manyOptions.tx) {
        // One statement in the caller's transaction: a refusal there aborts the transaction anyway.
        if (units.length > 0) await write(units);
      } else {
        const { rejected } = await writeIsolated(units, write);
        for (const { item, error } of rejected) results[item.index] = { ok: false, error };
      }
      committed(
        units.filter((u) => results[u.index]?.ok).flatMap((u) => u.rows),
        started,
      );
      return results;
    },

    async subscribe(
      typeOrPattern: string | AnyEventDefinition,
      handler: SubscriberHandler<never>,
      subscribeOptions: SubscribeOptions,
    ) {
      if (typeof typeOrPattern === 'object' && typeOrPattern !== null) know(typeOrPattern, 'typeOrPattern');
      const { subscription, row, job } = createSubscription(typeOrPattern, handler, subscribeOptions, {
        definitions,
        metrics,
      });
      if (subscriptions.has(subscription.name)) {
        throw new ValidationError(
          'options.name',
          `"${subscription.name}" is already subscribed in this process`,
        );
      }
      if (internals.registry.definitions.has(job.name)) {
        throw new ValidationError('options.name', `a job named "${job.name}" is already registered`);
      }
      // Written first: a failed write (database down) leaves nothing registered, so it can be retried.
      await (await store()).eventSubscriptionUpsert({ subscription: row, now: now() });
      if (subscriptions.has(subscription.name)) {
        throw new ValidationError(
          'options.name',
          `"${subscription.name}" is already subscribed in this process`,
        );
      }
      internals.registry.register(job);
      subscriptions.set(subscription.name, subscription);
      relay?.wake();
      return subscription;
    },

    async unsubscribe(name) {
      subscriptions.delete(name);
      return (await store()).eventSubscriptionDelete({ name });
    },

    replay: (replayOptions) => replayEvents(replayOptions, { store, now, wake: internals.wake, likePattern }),

    fanout: live ?? unavailableFanout(),
    history: createEventHistory(store),
    lag: () => metrics.lag(),

    async prune() {
      return retentionMs === null ? 0 : pruneEvents(await store(), retentionMs, now());
    },

    async start() {
      release ??= await internals.runtime.use();
    },

    relayed() {
      return relay?.running ? relay.nextPass() : Promise.resolve();
    },

    async close() {
      if (closed) return;
      closed = true;
      stopLifecycle?.();
      internals.healthSections.delete('events');
      await batcher.settled();
      const r = release;
      release = null;
      await r?.();
      // The relay stops for good before its sinks close (the runtime's later stop does nothing).
      await relay?.close();
      await local?.close();
      await Promise.all(extra.map((sink) => sink.close().catch(() => {})));
    },
  };
  internals.healthSections.set('events', async () => {
    const lag = await metrics.lag();
    const of = (kind: EventLag['kind']) =>
      Object.fromEntries(
        lag.filter((l) => l.kind === kind).map((l) => [l.name, Math.round(l.seconds * 1_000) / 1_000]),
      );
    return { lag: { subscribers: of('subscriber'), sinks: of('sink') } };
  });
  if (options.lifecycle)
    stopLifecycle = bridgeLifecycleEvents(options.conveyor, bus, options.lifecycle.queues, log);
  internals.onClose(() => bus.close());
  return bus;
}

function unavailableFanout(): EventFanout {
  const error = () =>
    new ConveyorError(
      'NO_FANOUT',
      'this bus has no live fan-out: keep localFanout on, or give a RedisEventFanout in sinks',
    );
  return {
    subscribe: () => Promise.reject(error()),
    close: async () => {},
  };
}
