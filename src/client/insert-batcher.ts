/**
 * Coalesces concurrent single enqueues into multi-row inserts (D5.1, core/coalescer.ts: a
 * synchronous burst shares a statement; calls arriving while flushes are in flight wait for the
 * next one; up to 1,000 rows, 4 statements in flight). Each promise settles only after its own batch
 * committed, so an awaited enqueue is durable. Repeats of one unique key inside a batch are sent
 * once and share the answer.
 *
 * Batch isolation: the jobs of a statement come from unrelated callers, so one job the database
 * refuses must not fail the others. A permanently refused statement is split until the refused
 * job is alone (store/batch-isolation.ts): only its promise rejects (DatabaseRejectedError naming
 * the job), and its neighbours commit. A transient failure rejects every promise of the batch not
 * yet committed, as before: the caller may retry. prepareJob refuses unstorable values before they
 * get here; this is the second line.
 *
 * Handoff (worker/handoff.ts): before a batch is sent, each job due now may get a slot of an idle
 * local worker; the insert then starts it there without a claim. Inside a batch, once a job of a
 * queue got no slot, later jobs of that queue get none either (they would jump ahead of it). A
 * batch holding a job with a unique key hands off nothing.
 */
import { Coalescer, type CoalescerOptions } from '../core/coalescer.ts';
import type { NewJob } from '../core/enqueue-options.ts';
import { DatabaseRejectedError } from '../core/errors.ts';
import { writeIsolated } from '../store/batch-isolation.ts';
import type { InsertedJob, Store } from '../store/store.ts';
import { type HandoffSlot, handedOffJob } from '../worker/handoff.ts';

interface Pending {
  job: NewJob;
  resolve(value: InsertedJob): void;
  reject(error: unknown): void;
}

export interface InsertBatcherOptions extends CoalescerOptions {
  /** Called after a commit with the jobs inserted, for the local fast path to idle workers. */
  onInserted?: (jobs: NewJob[]) => void;
  /** A slot of an idle local worker that would start this job at once (worker/handoff.ts), or null. */
  handoff?: (job: NewJob) => HandoffSlot | null;
}

export class InsertBatcher {
  readonly #store: () => Promise<Store>;
  readonly #now: () => Date;
  readonly #onInserted: (jobs: NewJob[]) => void;
  readonly #handoff: (job: NewJob) => HandoffSlot | null;
  readonly #batches: Coalescer<Pending>;

  constructor(store: () => Promise<Store>, now: () => Date, options: InsertBatcherOptions = {}) {
    this.#store = store;
    this.#now = now;
    this.#onInserted = options.onInserted ?? (() => {});
    this.#handoff = options.handoff ?? (() => null);
    this.#batches = new Coalescer((batch) => this.#flush(batch), options);
  }

  insert(job: NewJob): Promise<InsertedJob> {
    return new Promise((resolve, reject) => this.#batches.add({ job, resolve, reject }));
  }

  /** Resolves once every insert accepted so far has settled. */
  settled(): Promise<void> {
    return this.#batches.settled();
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
    let store: Store;
    try {
      store = await this.#store();
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    const now = this.#now();
    const slots = this.#handoffSlots(jobs, now);
    // Rows whose insert settled: the result, or the error that refused that row alone.
    const settled: (InsertedJob | Error)[] = new Array(jobs.length);
    let failure: unknown = null;
    try {
      const { written, rejected } = await writeIsolated(
        jobs.map((job, row) => ({ job, row })),
        (rows) =>
          store.jobInsertMany({
            jobs: rows.map((r) => r.job),
            now,
            ...(slots ? { handoff: rows.map((r) => slots[r.row]?.workerId ?? null) } : {}),
          }),
      );
      for (const { items, result } of written) {
        items.forEach(({ row }, i) => {
          settled[row] = result[i]!;
        });
      }
      for (const { item, error } of rejected) settled[item.row] = refusedJob(item.job, error);
    } catch (error) {
      // Transient (or a fault of the whole write): every row not settled yet fails with it.
      failure = error;
    }
    // Handed-off jobs start first; every other slot is released.
    const handedOff = new Set<number>();
    slots?.forEach((slot, row) => {
      if (!slot) return;
      const result = settled[row];
      if (result !== undefined && !(result instanceof Error) && result.handedOff) {
        handedOff.add(row);
        slot.settle(handedOffJob(jobs[row]!, result.id, now));
      } else slot.settle(null);
    });
    const claimedRow = new Set<number>();
    batch.forEach((pending, index) => {
      const row = rowOf[index]!;
      const result = settled[row];
      if (result === undefined) pending.reject(failure);
      else if (result instanceof Error) pending.reject(result);
      else {
        // Only the first caller of a key in this batch may see created: true.
        pending.resolve({ id: result.id, created: result.created && !claimedRow.has(row) });
        claimedRow.add(row);
      }
    });
    // Handed-off jobs wake nobody: a worker already runs them.
    const inserted = jobs.filter((_, row) => {
      const result = settled[row];
      return result !== undefined && !(result instanceof Error) && result.created && !handedOff.has(row);
    });
    if (inserted.length === 0) return;
    try {
      this.#onInserted(inserted);
    } catch {
      // Only a wake-up of local workers; they poll anyway.
    }
  }

  /**
   * Per job, the slot of a local worker that would start it at once (due now, and no earlier job of
   * its queue in this batch went without one), else null; null altogether when no job got one.
   */
  #handoffSlots(jobs: NewJob[], now: Date): (HandoffSlot | null)[] | null {
    // A job with a unique key goes through the key reservation (job-insert-many.sql), which does
    // not hand off; its batch then hands off nothing, so no later job jumps ahead of it either.
    if (jobs.some((job) => job.uniqueKey !== null)) return null;
    let slots: (HandoffSlot | null)[] | null = null;
    const passedOver = new Set<string>();
    const at = now.getTime();
    for (const [row, job] of jobs.entries()) {
      if (job.runAt.getTime() > at || passedOver.has(job.queue)) continue;
      const slot = this.#handoff(job);
      if (!slot) {
        passedOver.add(job.queue);
        continue;
      }
      slots ??= new Array<HandoffSlot | null>(jobs.length).fill(null);
      slots[row] = slot;
    }
    return slots;
  }
}

/** The error of one job the database refused on its own: its neighbours in the batch were written. */
function refusedJob(job: NewJob, error: DatabaseRejectedError): DatabaseRejectedError {
  return new DatabaseRejectedError(
    `job "${job.name}" (queue "${job.queue}") was not enqueued: ${error.message}; the jobs enqueued alongside it were not affected`,
    { code: error.sqlState, databaseMessage: error.databaseMessage },
    { cause: error },
  );
}
