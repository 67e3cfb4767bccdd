/**
 * The outbox relay: a service of the ServiceRuntime, run by the process that leads the `events`
 * role (and safe to run in several). Woken by the `events` NOTIFY that every publish sends at
 * commit (and directly by publishes of this process), with a slow poll as the fallback.
 *
 * Each pass, until the outbox is drained:
 * 1. Durable dispatch: reads undispatched events per stream (oldest first), makes one job per
 *    matching subscription and event, and commits those jobs together with the streams' new
 *    dispatched positions, moved only from where it read them (eventDispatch). Two relays racing
 *    (a leadership change) cannot both commit a batch: the loser's transaction writes nothing. So
 *    a subscriber gets each event once, unless its attempt failed.
 * 2. Fan-out, per sink: reads the events past the sink's position, hands them to `deliver` in
 *    sequence order per stream, and advances the position only after `deliver` resolved. A sink
 *    that throws (Redis down) keeps its position and is tried again after a backoff (250 ms up to
 *    10 s); it holds back nobody else, and loses nothing: it resumes from the outbox.
 * Nothing a sink or the database throws escapes the relay: it logs and tries again; a sink whose
 * deliver hangs for 30 s counts as failed.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import type { Notifier } from '../runtime/notifier.ts';
import type { Service } from '../runtime/service.ts';
import type { DispatchAdvance, EventSubscriptionRow, Store, StoredEvent } from '../store/store.ts';
import type { EventEnvelope } from './event-envelope.ts';
import type { EventFanoutSink } from './event-fanout.ts';
import type { EventMetrics } from './event-metrics.ts';
import { deliveryJob } from './event-subscriptions.ts';
import { envelopeOfStored } from './stored-envelope.ts';

export interface EventRelayOptions {
  store: () => Promise<Store>;
  notifier: Notifier;
  sinks: readonly EventFanoutSink[];
  metrics: EventMetrics;
  log: Logger;
  now: () => Date;
  /** Wakes this process's workers of a queue that got delivery jobs. */
  wake: (queue: string) => void;
  /** Fallback poll when no NOTIFY arrives (default 1 s). */
  pollIntervalMs?: number;
  /** Streams per read (default 100) and events per stream per read (default 200). */
  streamsPerRead?: number;
  eventsPerStream?: number;
}

const SINK_RETRY_MIN_MS = 250;
const SINK_RETRY_MAX_MS = 10_000;
/** A sink whose deliver has not settled by then counts as failed (a hung sink must not stop the relay). */
const SINK_DELIVER_TIMEOUT_MS = 30_000;

async function deliverWithin(sink: EventFanoutSink, events: EventEnvelope[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`sink "${sink.name}" did not deliver within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(() => sink.deliver(events)), late]);
  } finally {
    clearTimeout(timer);
  }
}

interface SinkState {
  sink: EventFanoutSink;
  registered: boolean;
  failures: number;
  retryAt: number;
}

export class EventRelay implements Service {
  readonly name = 'event-relay';
  readonly #options: EventRelayOptions;
  readonly #pollMs: number;
  readonly #sinks: SinkState[];
  #running = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  #again = false;
  #unlisten: (() => Promise<void>) | null = null;
  /** Resolvers waiting for the next pass to finish (tests, `settled`). */
  #waiters: (() => void)[] = [];

  constructor(options: EventRelayOptions) {
    this.#options = options;
    this.#pollMs = options.pollIntervalMs ?? 1_000;
    this.#sinks = options.sinks.map((sink) => ({ sink, registered: false, failures: 0, retryAt: 0 }));
  }

  get running(): boolean {
    return this.#running;
  }

  async start(): Promise<void> {
    if (this.#running || this.#closed) return;
    this.#running = true;
    try {
      this.#unlisten = await this.#options.notifier.listen('events', () => this.wake(), {
        reconnected: () => this.wake(),
      });
    } catch (error) {
      // The poll still runs; the listen is tried again at the next start.
      this.#options.log.warn({ err: safeError(error) }, 'event relay could not LISTEN; polling only');
    }
    this.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    await unlisten?.().catch(() => {});
    await this.#pass;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  /** Stops for good: a later start (the runtime re-electing this process) does nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.stop();
  }

  /** Runs a pass soon (a publish committed). */
  wake(): void {
    if (!this.#running) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  /** Resolves after the next complete pass (or at stop). */
  nextPass(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.wake();
    });
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pass = this.#runPass().finally(() => {
        this.#pass = null;
        if (this.#again) {
          this.#again = false;
          this.#schedule(0);
        } else this.#schedule(this.#nextDelay());
      });
    }, delayMs);
  }

  #nextDelay(): number {
    const now = Date.now();
    const sinkDue = this.#sinks.filter((s) => s.failures > 0).map((s) => Math.max(0, s.retryAt - now));
    return Math.min(this.#pollMs, ...sinkDue);
  }

  async #runPass(): Promise<void> {
    const waiters = this.#waiters.splice(0);
    const { log } = this.#options;
    try {
      const store = await this.#options.store();
      await this.#dispatch(store);
      for (const state of this.#sinks) await this.#fanOut(store, state);
    } catch (error) {
      log.warn({ err: safeError(error) }, 'event relay pass failed; retrying');
    }
    for (const resolve of waiters) resolve();
  }

  async #dispatch(store: Store): Promise<void> {
    const streams = this.#options.streamsPerRead ?? 100;
    const perStream = this.#options.eventsPerStream ?? 200;
    let subscriptions: EventSubscriptionRow[] | null = null;
    for (;;) {
      if (!this.#running) return;
      const events = await store.eventListUndispatched({ streams, perStream });
      if (events.length === 0) return;
      subscriptions ??= await store.eventSubscriptionList();
      const advances = new Map<string, DispatchAdvance>();
      const now = this.#options.now();
      const jobs = [];
      for (const event of events) {
        const advance = advances.get(event.stream);
        if (advance) advance.to = Math.max(advance.to, event.sequence);
        else advances.set(event.stream, { stream: event.stream, from: event.from, to: event.sequence });
        for (const subscription of subscriptions) {
          if (likeMatches(subscription.pattern, event.type)) jobs.push(deliveryJob(subscription, event, now));
        }
      }
      const result = await store.eventDispatch({ advances: [...advances.values()], jobs, now });
      if (result.dispatched) {
        for (const queue of new Set(jobs.map((job) => job.queue))) this.#options.wake(queue);
      }
      const full = [...advances.values()].some((a) => a.to - a.from >= perStream) || advances.size >= streams;
      if (result.dispatched && !full) return;
    }
  }

  async #fanOut(store: Store, state: SinkState): Promise<void> {
    if (state.failures > 0 && Date.now() < state.retryAt) return;
    const { log, metrics } = this.#options;
    const sink = state.sink.name;
    const streams = this.#options.streamsPerRead ?? 100;
    const perStream = this.#options.eventsPerStream ?? 200;
    if (!state.registered) {
      await store.eventSinkRegister({ sink, now: this.#options.now() });
      state.registered = true;
    }
    for (;;) {
      if (!this.#running) return;
      const events: StoredEvent[] = await store.eventListUnfanned({ sink, streams, perStream });
      if (events.length === 0) return;
      try {
        await deliverWithin(state.sink, events.map(envelopeOfStored), SINK_DELIVER_TIMEOUT_MS);
      } catch (error) {
        state.failures += 1;
        const delay = Math.min(SINK_RETRY_MIN_MS * 2 ** (state.failures - 1), SINK_RETRY_MAX_MS);
        state.retryAt = Date.now() + delay;
        metrics.fannedOut(sink, false);
        if (state.failures === 1 || state.failures % 20 === 0) {
          log.warn(
            { err: safeError(error), sink, failures: state.failures, retryMs: delay },
            'event fan-out sink failed; its events wait in the outbox',
          );
        }
        return;
      }
      if (state.failures > 0) log.info({ sink, failures: state.failures }, 'event fan-out sink recovered');
      state.failures = 0;
      metrics.fannedOut(sink, true);
      const last = new Map<string, number>();
      for (const event of events)
        last.set(event.stream, Math.max(last.get(event.stream) ?? 0, event.sequence));
      await store.eventFanoutAdvance({
        sink,
        positions: [...last].map(([stream, sequence]) => ({ stream, sequence })),
      });
      const perStreamRead = new Map<string, number>();
      for (const event of events) perStreamRead.set(event.stream, (perStreamRead.get(event.stream) ?? 0) + 1);
      const fullStream = [...perStreamRead.values()].some((n) => n >= perStream);
      if (last.size < streams && !fullStream) return;
    }
  }
}

/** SQL LIKE semantics for the patterns subscriptions store (`%` at the end, `\` escapes). */
export function likeMatches(pattern: string, type: string): boolean {
  if (pattern.endsWith('%') && !pattern.endsWith('\\%')) {
    return type.startsWith(unescapeLike(pattern.slice(0, -1)));
  }
  return type === unescapeLike(pattern);
}

function unescapeLike(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}
