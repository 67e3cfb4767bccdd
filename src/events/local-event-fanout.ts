/**
 * Live fan-out without Redis, so the embedded default works end to end: in process, and across
 * processes over LISTEN/NOTIFY (channel `event_fanout`).
 *
 * As the relay's sink, `deliver` first NOTIFYs the stream ranges it delivers (never the events:
 * NOTIFY payloads stop at 8,000 bytes, so ranges are sent in chunks under 7,000), then hands the
 * events to this process's listeners. Every other process that has listeners reads the ranges it
 * cares about from the outbox (one query per stream and notification) and hands them out in
 * sequence order. Each instance remembers the last sequence it handed out per stream and never
 * hands out an older one, so a batch delivered again after a failure reaches nobody twice here.
 * At most once across a lost LISTEN connection, like Redis pub/sub: a consumer that must not miss
 * events resumes from EventHistory by sequence.
 *
 * A listener that throws is logged and counted; nothing it does reaches the others or the relay.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import type { Notifier } from '../runtime/notifier.ts';
import { GLOBAL_STREAM } from '../store/event-store.ts';
import type { Store } from '../store/store.ts';
import type { EventEnvelope } from './event-envelope.ts';
import type { EventFanout, EventFanoutSink, EventScope } from './event-fanout.ts';
import { envelopeOfStored } from './stored-envelope.ts';

type Listener = (event: EventEnvelope) => void;

/** A NOTIFY payload's budget (the limit is 8,000 bytes; keep a margin). */
const NOTIFY_BUDGET = 7_000;
const GLOBAL_KEY = '\u0000global';

interface FanoutNotice {
  /** The sending instance (it ignores its own notices). */
  o: string;
  /** [stream, after sequence, through sequence] */
  r: [string, number, number][];
}

export class LocalEventFanout implements EventFanout, EventFanoutSink {
  readonly name = 'local';
  readonly #store: () => Promise<Store>;
  readonly #notifier: Notifier;
  readonly #log: Logger;
  readonly #origin = randomUUID();
  readonly #listeners = new Map<string, Set<Listener>>();
  /** The last sequence handed out here, per stream. */
  readonly #handedOut = new Map<string, number>();
  #unlisten: Promise<() => Promise<void>> | null = null;
  /** Reads of other processes' notices, one after another (per-stream order). */
  #reading: Promise<void> = Promise.resolve();
  #closed = false;
  /** Listener calls that threw. */
  readonly dropped = { listenerErrors: 0 };

  constructor(deps: { store: () => Promise<Store>; notifier: Notifier; log: Logger }) {
    this.#store = deps.store;
    this.#notifier = deps.notifier;
    this.#log = deps.log;
  }

  async deliver(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const ranges = new Map<string, [string, number, number]>();
    for (const event of events) {
      const stream = event.tenantId ?? GLOBAL_STREAM;
      const range = ranges.get(stream);
      if (range) {
        range[1] = Math.min(range[1], event.sequence - 1);
        range[2] = Math.max(range[2], event.sequence);
      } else ranges.set(stream, [stream, event.sequence - 1, event.sequence]);
    }
    const store = await this.#store();
    for (const payload of noticePayloads(this.#origin, [...ranges.values()])) {
      await store.eventFanoutNotify({ payload });
    }
    for (const event of events) this.#handOut(event);
  }

  async subscribe(scope: EventScope, listener: Listener): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('this LocalEventFanout is closed');
    const key = 'global' in scope ? GLOBAL_KEY : scope.tenantId;
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    // A wrapper per call, so the same function subscribed twice is two subscriptions.
    const entry: Listener = (event) => listener(event);
    set.add(entry);
    try {
      await this.#listening();
    } catch (error) {
      set.delete(entry);
      throw error;
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      const current = this.#listeners.get(key);
      current?.delete(entry);
      if (current?.size === 0) this.#listeners.delete(key);
      if (this.#listeners.size === 0) await this.#stopListening();
    };
  }

  /** Listeners per scope key (leak checks). */
  listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#stopListening();
    await this.#reading;
  }

  #listening(): Promise<() => Promise<void>> {
    this.#unlisten ??= this.#notifier
      .listen('event_fanout', (payload) => this.#notice(payload))
      .catch((error: unknown) => {
        this.#unlisten = null;
        throw error;
      });
    return this.#unlisten;
  }

  async #stopListening(): Promise<void> {
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    if (unlisten) await (await unlisten.catch(() => null))?.().catch(() => {});
  }

  #notice(payload: string): void {
    let notice: FanoutNotice;
    try {
      notice = JSON.parse(payload) as FanoutNotice;
    } catch {
      return;
    }
    if (notice?.o === this.#origin || !Array.isArray(notice.r)) return;
    const wanted = notice.r.filter(
      (range) =>
        Array.isArray(range) &&
        typeof range[0] === 'string' &&
        Number.isSafeInteger(range[1]) &&
        Number.isSafeInteger(range[2]) &&
        (this.#listeners.has(GLOBAL_KEY) || (range[0] !== GLOBAL_STREAM && this.#listeners.has(range[0]))),
    );
    if (wanted.length === 0) return;
    this.#reading = this.#reading.then(() => this.#read(wanted));
  }

  async #read(ranges: [string, number, number][]): Promise<void> {
    try {
      const store = await this.#store();
      for (const [stream, after, through] of ranges) {
        const from = Math.max(after, this.#handedOut.get(stream) ?? 0);
        if (from >= through || this.#closed) continue;
        const found = await store.eventListSince({ stream, afterSequence: from, limit: through - from });
        for (const event of found?.events ?? []) this.#handOut(envelopeOfStored(event));
      }
    } catch (error) {
      this.#log.warn({ err: safeError(error) }, 'local event fan-out could not read delivered events');
    }
  }

  #handOut(event: EventEnvelope): void {
    const stream = event.tenantId ?? GLOBAL_STREAM;
    if (event.sequence <= (this.#handedOut.get(stream) ?? 0)) return;
    this.#handedOut.set(stream, event.sequence);
    const targets = [
      ...(event.tenantId === null ? [] : (this.#listeners.get(event.tenantId) ?? [])),
      ...(this.#listeners.get(GLOBAL_KEY) ?? []),
    ];
    for (const listener of targets) {
      try {
        const returned: unknown = listener(event);
        if (typeof (returned as { then?: unknown } | null)?.then === 'function') {
          Promise.resolve(returned).catch((error: unknown) => this.#threw(error));
        }
      } catch (error) {
        this.#threw(error);
      }
    }
  }

  #threw(error: unknown): void {
    this.dropped.listenerErrors += 1;
    try {
      this.#log.warn({ err: safeError(error) }, 'event fan-out listener threw');
    } catch {
      // A logger that throws must not break the fan-out.
    }
  }
}

/** Splits ranges into NOTIFY payloads under the budget. */
export function noticePayloads(origin: string, ranges: [string, number, number][]): string[] {
  const payloads: string[] = [];
  let current: [string, number, number][] = [];
  const text = (r: [string, number, number][]): string => JSON.stringify({ o: origin, r });
  for (const range of ranges) {
    // A single stream key is at most 256 characters, so one range always fits.
    if (current.length > 0 && Buffer.byteLength(text([...current, range])) > NOTIFY_BUDGET) {
      payloads.push(text(current));
      current = [];
    }
    current.push(range);
  }
  if (current.length > 0) payloads.push(text(current));
  return payloads;
}
