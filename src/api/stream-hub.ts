/**
 * The live streams of one API handler (GET /stream, Server-Sent Events): every stream of the same
 * scope shares ONE poller, which reads the database at most once a second, and stops when its last
 * stream closes.
 *
 * Design note. A poller's tick reads the change feed (api-stream-changes.sql): attempts ended
 * (history rows past its cursor), jobs enqueued (job ids past its cursor) and the set of running
 * jobs (claims show as jobs entering it); nothing is written on the enqueue or claim path for it.
 * What the feed does not see — a scheduled job promoted to ready, a dead job retried from the API —
 * shows in the counts. Counts (queues × states, as GET /queues) are read at the first tick, after a
 * tick that saw a change, and otherwise every `countsEveryMs` — never sooner than 10× the last
 * read took; a `counts` event is sent only when they differ from the last sent. A tick starts a second after the previous one started, or when it
 * ends if it ran longer: never two at once.
 *
 * States of a poller: starting (reading its cursor) → polling → stopped (no subscriber left, or
 * close()). A stream that joins a polling poller gets its last counts at once.
 */
import type { Logger } from 'pino';
import { JOB_STATES, type JobState } from '../core/job.ts';
import type { Scope } from '../core/scope.ts';
import { safeError } from '../log/safe-error.ts';
import type { ChangedJob, Store, StreamCursor } from '../store/store.ts';

export interface StreamHubOptions {
  store: () => Promise<Store>;
  log: Logger;
  /** Between tick starts (default 1000 ms; never less). */
  intervalMs?: number;
  /** Counts are read at least this often without a change seen (default 5000 ms). */
  countsEveryMs?: number;
  /** A `: ping` comment this often (default 15,000 ms). */
  pingMs?: number;
}

/** Jobs in one `jobs` event, at most. */
export const MAX_CHANGED = 200;
/**
 * Counts scan the live table (and the retained completed history), so their cost grows with it: a
 * poller reads them again only after 10× the last read's duration (300 ms → at most every 3 s),
 * keeping one scope's counts under ~10 % of a database core however busy the queues are.
 */
const COUNTS_COST_FACTOR = 10;
/** Running jobs the feed lists per tick (claims beyond it are seen in the counts). */
const ACTIVE_LIMIT = 1000;

const encoder = new TextEncoder();

interface Subscriber {
  send(chunk: string): void;
  end(): void;
}

interface QueueCounts {
  queue: string;
  paused: boolean;
  counts: Record<JobState, number>;
}

function emptyCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
}

const scopeKey = (scope: Scope): string => (scope.kind === 'all' ? '*' : `t:${scope.tenantId}`);

export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

class ScopePoller {
  readonly subscribers = new Set<Subscriber>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #cursor: StreamCursor | null = null;
  #active: Set<string> | null = null;
  #counts: string | null = null;
  #countsAt = 0;
  /** How long the last counts read took: the next waits at least COUNTS_COST_FACTOR times that. */
  #countsCostMs = 0;
  #pingAt = Date.now();
  #ticking: Promise<void> | null = null;
  /** Ticks run (the tests read it to see the poller is shared). */
  ticks = 0;

  constructor(
    private readonly scope: Scope,
    private readonly options: Required<Omit<StreamHubOptions, 'log' | 'store'>> &
      Pick<StreamHubOptions, 'log' | 'store'>,
  ) {
    this.#schedule(0);
  }

  join(subscriber: Subscriber): void {
    this.subscribers.add(subscriber);
    if (this.#counts !== null) subscriber.send(sseEvent('counts', JSON.parse(this.#counts)));
  }

  stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    return this.#ticking ?? Promise.resolve();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const started = Date.now();
      this.#ticking = this.#tick()
        .catch((error: unknown) => {
          this.options.log.warn({ err: safeError(error) }, 'live stream poll failed; trying again');
        })
        .finally(() => {
          this.#ticking = null;
          this.#schedule(Math.max(0, this.options.intervalMs - (Date.now() - started)));
        });
    }, delayMs);
    this.#timer.unref?.();
  }

  #broadcast(chunk: string): void {
    for (const subscriber of this.subscribers) subscriber.send(chunk);
  }

  async #tick(): Promise<void> {
    const store = await this.options.store();
    this.ticks++;
    let changedJobs: ChangedJob[] = [];
    if (this.#cursor === null) {
      this.#cursor = await store.apiStreamStart();
    } else {
      const changes = await store.apiStreamChanges({
        scope: this.scope,
        cursor: this.#cursor,
        activeLimit: ACTIVE_LIMIT,
      });
      this.#cursor = changes.cursor;
      const byId = new Map<string, ChangedJob>();
      for (const job of changes.enqueued) byId.set(job.id, job);
      const running = new Set(changes.active.map((job) => job.id));
      if (this.#active !== null) {
        for (const job of changes.active) if (!this.#active.has(job.id)) byId.set(job.id, job);
      }
      this.#active = running;
      for (const job of changes.ended) byId.set(job.id, job);
      changedJobs = [...byId.values()];
    }
    if (this.#stopped) return;
    if (changedJobs.length > 0) {
      this.#broadcast(sseEvent('jobs', { changed: changedJobs.slice(-MAX_CHANGED) }));
    }
    const now = Date.now();
    const sinceCounts = now - this.#countsAt;
    const due =
      this.#counts === null ||
      ((changedJobs.length > 0 || sinceCounts >= this.options.countsEveryMs) &&
        sinceCounts >= COUNTS_COST_FACTOR * this.#countsCostMs);
    if (due) {
      this.#countsAt = now;
      const counts = JSON.stringify({ queues: await this.#readCounts(store) });
      this.#countsCostMs = Date.now() - now;
      if (this.#stopped) return;
      if (counts !== this.#counts) {
        this.#counts = counts;
        this.#broadcast(sseEvent('counts', JSON.parse(counts)));
      }
    }
    if (now - this.#pingAt >= this.options.pingMs) {
      this.#pingAt = now;
      this.#broadcast(': ping\n\n');
    }
  }

  async #readCounts(store: Store): Promise<QueueCounts[]> {
    const [settings, rows] = await Promise.all([
      store.queueList({}),
      store.apiCountByState({ scope: this.scope }),
    ]);
    const byQueue = new Map<string, QueueCounts>();
    const entry = (queue: string): QueueCounts => {
      let found = byQueue.get(queue);
      if (!found) {
        found = { queue, paused: false, counts: emptyCounts() };
        byQueue.set(queue, found);
      }
      return found;
    };
    for (const setting of settings) entry(setting.name).paused = setting.paused;
    for (const row of rows) entry(row.queue).counts[row.state] += row.count;
    return [...byQueue.values()].sort((a, b) => (a.queue < b.queue ? -1 : 1));
  }
}

/** The streams of one API handler, by scope. */
export class StreamHub {
  readonly #pollers = new Map<string, ScopePoller>();
  readonly #options: Required<Omit<StreamHubOptions, 'log' | 'store'>> &
    Pick<StreamHubOptions, 'log' | 'store'>;

  constructor(options: StreamHubOptions) {
    this.#options = {
      ...options,
      intervalMs: Math.max(1000, options.intervalMs ?? 1000),
      countsEveryMs: options.countsEveryMs ?? 5000,
      pingMs: options.pingMs ?? 15_000,
    };
  }

  /** Pollers running now (one per scope with an open stream). */
  get pollers(): number {
    return this.#pollers.size;
  }

  /** Open streams. */
  get streams(): number {
    let n = 0;
    for (const poller of this.#pollers.values()) n += poller.subscribers.size;
    return n;
  }

  /** Ticks run by the poller of `scope` (undefined: none running). */
  ticksOf(scope: Scope): number | undefined {
    return this.#pollers.get(scopeKey(scope))?.ticks;
  }

  /** A `text/event-stream` response for `scope`, ended when `signal` aborts, the client cancels or close(). */
  open(scope: Scope, signal: AbortSignal): Response {
    const key = scopeKey(scope);
    let subscriber: Subscriber | null = null;
    const leave = () => {
      if (!subscriber) return;
      const poller = this.#pollers.get(key);
      if (poller) {
        poller.subscribers.delete(subscriber);
        if (poller.subscribers.size === 0) {
          this.#pollers.delete(key);
          void poller.stop();
        }
      }
      subscriber = null;
    };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true;
        subscriber = {
          send(chunk) {
            if (open) controller.enqueue(encoder.encode(chunk));
          },
          end() {
            if (!open) return;
            open = false;
            leave();
            controller.close();
          },
        };
        controller.enqueue(encoder.encode('retry: 3000\n\n'));
        let poller = this.#pollers.get(key);
        if (!poller) {
          poller = new ScopePoller(scope, this.#options);
          this.#pollers.set(key, poller);
        }
        poller.join(subscriber);
        if (signal.aborted) subscriber.end();
        else signal.addEventListener('abort', () => subscriber?.end(), { once: true });
      },
      cancel: () => leave(),
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      },
    });
  }

  /** Ends every open stream and stops every poller. */
  async close(): Promise<void> {
    const pollers = [...this.#pollers.values()];
    for (const poller of pollers) for (const subscriber of [...poller.subscribers]) subscriber.end();
    this.#pollers.clear();
    await Promise.all(pollers.map((poller) => poller.stop()));
  }
}
