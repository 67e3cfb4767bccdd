/**
 * Collects acknowledgements (completions, failures) and writes them in batches (D5.3): one flush
 * in flight at a time; items arriving meanwhile go in the next. A failed flush (e.g. a dropped
 * connection) keeps its items and retries with backoff, so no outcome is lost; until it lands,
 * the jobs stay active under this worker's lease.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';

export interface FlushBatcherOptions {
  maxBatch?: number;
  log: Logger;
  what: string;
}

export class FlushBatcher<T> {
  readonly #write: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #log: Logger;
  readonly #what: string;
  #items: T[] = [];
  #flushing: Promise<void> | null = null;
  #scheduled = false;
  #retryMs = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #idle: (() => void)[] = [];

  constructor(write: (items: T[]) => Promise<void>, options: FlushBatcherOptions) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#log = options.log;
    this.#what = options.what;
  }

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
    this.#schedule();
  }

  /** Resolves when everything added so far has been written. */
  drain(): Promise<void> {
    if (this.#items.length === 0 && !this.#flushing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops retry timers (after drain, or when giving up at close). */
  dispose(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing || this.#retryTimer) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#flushing || this.#items.length === 0) {
      if (!this.#flushing && this.#items.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    const batch = this.#items.splice(0, this.#maxBatch);
    this.#flushing = this.#write(batch).then(
      () => {
        this.#retryMs = 0;
        this.#flushing = null;
        this.#flush();
      },
      (error: unknown) => {
        this.#items.unshift(...batch);
        this.#flushing = null;
        this.#retryMs = Math.min(Math.max(this.#retryMs * 2, 50), 2_000);
        this.#log.warn(
          { err: safeError(error), count: batch.length, retryMs: this.#retryMs },
          `writing ${this.#what} failed; retrying`,
        );
        this.#retryTimer = setTimeout(() => {
          this.#retryTimer = null;
          this.#flush();
        }, this.#retryMs);
      },
    );
  }
}
