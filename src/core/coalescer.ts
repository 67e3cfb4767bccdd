/**
 * Coalesces concurrent calls into batches (D5.1): the enqueue batcher and the event publisher use
 * it. The first item flushes at once (after the current tick, so a synchronous burst shares a
 * batch); items arriving while `maxInFlight` flushes run wait for the next one, up to `maxBatch`
 * per batch. `flush` settles its items itself (resolving or rejecting each caller's promise) and
 * never throws; if it does anyway, the throw is dropped rather than left unhandled.
 */
export interface CoalescerOptions {
  /** Items per batch (default 1,000). */
  maxBatch?: number;
  /** Batches in flight at once (default 4). */
  maxInFlight?: number;
}

export class Coalescer<T> {
  readonly #flush: (batch: T[]) => Promise<void>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #pending: T[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(flush: (batch: T[]) => Promise<void>, options: CoalescerOptions = {}) {
    this.#flush = flush;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#maxInFlight = options.maxInFlight ?? 4;
  }

  add(item: T): void {
    this.#pending.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  /** Resolves once every item added so far has been flushed. */
  settled(): Promise<void> {
    if (this.#pending.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #drain(): void {
    while (this.#inFlight < this.#maxInFlight && this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      this.#inFlight += 1;
      this.#flush(batch)
        .catch(() => {})
        .finally(() => {
          this.#inFlight -= 1;
          this.#drain();
          if (this.#pending.length === 0 && this.#inFlight === 0) {
            for (const resolve of this.#idle.splice(0)) resolve();
          }
        });
    }
  }
}
