/**
 * Coalesces concurrent single enqueues into multi-row inserts (D5.1). The first call flushes at
 * once (after the current tick, so a synchronous burst shares a statement); calls arriving while
 * flushes are in flight wait for the next one. Each promise settles only after its own batch
 * committed, so an awaited enqueue is durable. Repeats of one unique key inside a batch are sent
 * once and share the answer.
 */
import type { NewJob } from '../core/enqueue-options.ts';
import type { InsertedJob, Store } from '../store/store.ts';

interface Pending {
  job: NewJob;
  resolve(value: InsertedJob): void;
  reject(error: unknown): void;
}

export interface InsertBatcherOptions {
  /** Rows per statement (default 1,000). */
  maxBatch?: number;
  /** Statements in flight at once (default 4). */
  maxInFlight?: number;
  /** Called after a commit with the jobs inserted, for the local fast path to idle workers. */
  onInserted?: (jobs: NewJob[]) => void;
}

export class InsertBatcher {
  readonly #store: () => Promise<Store>;
  readonly #now: () => Date;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #onInserted: (jobs: NewJob[]) => void;
  #pending: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(store: () => Promise<Store>, now: () => Date, options: InsertBatcherOptions = {}) {
    this.#store = store;
    this.#now = now;
    this.#maxBatch = options.maxBatch ?? 1_000;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#onInserted = options.onInserted ?? (() => {});
  }

  insert(job: NewJob): Promise<InsertedJob> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ job, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => {
          this.#scheduled = false;
          this.#drain();
        });
      }
    });
  }

  /** Resolves once every insert accepted so far has settled. */
  settled(): Promise<void> {
    if (this.#pending.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #drain(): void {
    while (this.#inFlight < this.#maxInFlight && this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      this.#inFlight += 1;
      this.#flush(batch).finally(() => {
        this.#inFlight -= 1;
        this.#drain();
        if (this.#pending.length === 0 && this.#inFlight === 0) {
          for (const resolve of this.#idle.splice(0)) resolve();
        }
      });
    }
  }

  async #flush(batch: Pending[]): Promise<void> {
    // One row per distinct unique key; later repeats point at the first occurrence.
    const rowOf: number[] = [];
    const jobs: NewJob[] = [];
    const firstRowOfKey = new Map<string, number>();
    for (const { job } of batch) {
      const seen = job.uniqueKey === null ? undefined : firstRowOfKey.get(job.uniqueKey);
      if (seen !== undefined) {
        rowOf.push(seen);
        continue;
      }
      if (job.uniqueKey !== null) firstRowOfKey.set(job.uniqueKey, jobs.length);
      rowOf.push(jobs.length);
      jobs.push(job);
    }
    try {
      const store = await this.#store();
      const results = await store.jobInsertMany({ jobs, now: this.#now() });
      const claimedRow = new Set<number>();
      batch.forEach((pending, index) => {
        const row = rowOf[index]!;
        const result = results[row]!;
        // Only the first caller of a key in this batch may see created: true.
        pending.resolve(claimedRow.has(row) ? { id: result.id, created: false } : result);
        claimedRow.add(row);
      });
      this.#onInserted(jobs.filter((_, row) => results[row]?.created));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
