/**
 * Collects acknowledgements (completions, failures) and writes them in batches (D5.3): one flush
 * in flight at a time; items arriving meanwhile go in the next.
 *
 * Failures of a flush, by kind (src/store/store-errors.ts):
 *   - transient (a dropped connection, a lock timeout, anything not known to be permanent): the
 *     batch keeps its items and is retried with backoff (50 ms doubling to 2 s) for as long as the
 *     process runs, so no outcome is lost; until it lands, the jobs stay active under the lease.
 *   - permanent (a DatabaseRejectedError, or a TypeError/RangeError of our own): never retried,
 *     which would block every later outcome behind it, for ever (issue 12, defect 2). The store
 *     reports items it refuses one by one and the write function handles those itself, so what
 *     reaches here is a fault of the whole write. The batch is handed to `abandoned` and logged at
 *     error level; its jobs stay active under the lease and the rescuer returns them once this
 *     process stops renewing it.
 * `drain(timeoutMs)` waits at most that long: a database that keeps failing cannot hold a shutdown
 * for ever. After `dispose()` nothing is retried or flushed again.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import { isTransientStoreError } from '../store/store-errors.ts';

export interface FlushBatcherOptions<T> {
  maxBatch?: number;
  log: Logger;
  what: string;
  /** A batch whose write failed permanently (default: only logged). */
  abandoned?: (items: T[], error: unknown) => void;
}

const MIN_RETRY_MS = 50;
const MAX_RETRY_MS = 2_000;

export class FlushBatcher<T> {
  readonly #write: (items: T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #log: Logger;
  readonly #what: string;
  readonly #abandoned: (items: T[], error: unknown) => void;
  #items: T[] = [];
  #flushing: Promise<void> | null = null;
  #scheduled = false;
  #retryMs = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #disposed = false;
  #idle: (() => void)[] = [];

  constructor(write: (items: T[]) => Promise<void>, options: FlushBatcherOptions<T>) {
    this.#write = write;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#log = options.log;
    this.#what = options.what;
    this.#abandoned = options.abandoned ?? (() => {});
  }

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
    this.#schedule();
  }

  /**
   * Resolves true when everything added so far has been written (or abandoned), or false when
   * `timeoutMs` passed first (writes keep failing); the items stay queued until `dispose()`.
   */
  drain(timeoutMs?: number): Promise<boolean> {
    if (this.#items.length === 0 && !this.#flushing) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.#idle.push(done);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#idle = this.#idle.filter((waiter) => waiter !== done);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /**
   * Stops retrying and flushing (after drain, or when giving up at shutdown). Items not yet written
   * are dropped here; their jobs stay active under the lease, for the rescuer. Returns how many.
   */
  dispose(): number {
    this.#disposed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const dropped = this.#items.length;
    this.#items = [];
    for (const resolve of this.#idle.splice(0)) resolve();
    return dropped;
  }

  #schedule(): void {
    if (this.#disposed || this.#scheduled || this.#flushing || this.#retryTimer) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#disposed || this.#flushing || this.#items.length === 0) {
      if (!this.#flushing && (this.#items.length === 0 || this.#disposed)) {
        for (const resolve of this.#idle.splice(0)) resolve();
      }
      return;
    }
    const batch = this.#items.splice(0, this.#maxBatch);
    this.#flushing = Promise.resolve()
      .then(() => this.#write(batch))
      .then(
        () => {
          this.#retryMs = 0;
          this.#flushing = null;
          this.#flush();
        },
        (error: unknown) => {
          this.#flushing = null;
          if (!isTransientStoreError(error)) {
            this.#abandon(batch, error);
            this.#flush();
            return;
          }
          this.#items.unshift(...batch);
          this.#retryMs = Math.min(Math.max(this.#retryMs * 2, MIN_RETRY_MS), MAX_RETRY_MS);
          this.#log.warn(
            { err: safeError(error), count: batch.length, retryMs: this.#retryMs },
            `writing ${this.#what} failed; retrying`,
          );
          if (this.#disposed) return;
          this.#retryTimer = setTimeout(() => {
            this.#retryTimer = null;
            this.#flush();
          }, this.#retryMs);
        },
      );
  }

  #abandon(batch: T[], error: unknown): void {
    this.#log.error(
      { err: safeError(error), count: batch.length },
      `writing ${this.#what} failed permanently; not retrying. Their jobs stay active until the lease is rescued`,
    );
    try {
      this.#abandoned(batch, error);
    } catch (thrown) {
      this.#log.error({ err: safeError(thrown) }, `handling abandoned ${this.#what} failed`);
    }
  }
}
