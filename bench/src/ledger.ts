/**
 * Job accounting for one session (one contender's store for one workload, reused across its runs):
 * how many jobs were put in, which keys ran, and how many are missing from the store. Invariant
 * after each `settle`: enqueued = completed + pending + lost.
 */
export class Ledger {
  private enqueued = 0;
  private delayed = 0;
  private readonly completed = new Set<string>();
  private lost = 0;

  /** Jobs put in the store; `delayed` ones are not due during the session (backlog workload). */
  add(count: number, delayed = false): void {
    this.enqueued += count;
    if (delayed) this.delayed += count;
  }

  /** Due jobs that should still be queued: what a worker started now has to run. */
  get outstanding(): number {
    return this.enqueued - this.delayed - this.completed.size - this.lost;
  }

  /**
   * Folds one run's handler calls (key -> calls) in and compares with the store's own count of
   * unfinished jobs, read after the worker stopped. Returns what this run added: duplicated calls
   * (a key run twice, in this run or once before it) and jobs neither run nor stored.
   */
  settle(calls: Iterable<[string, number]>, pending: number): { duplicated: number; lost: number } {
    let duplicated = 0;
    for (const [key, count] of calls) {
      if (this.completed.has(key)) duplicated += count;
      else {
        this.completed.add(key);
        duplicated += count - 1;
      }
    }
    const missing = Math.max(0, this.enqueued - this.completed.size - pending);
    const lost = Math.max(0, missing - this.lost);
    this.lost += lost;
    return { duplicated, lost };
  }
}
