/** Counts handler calls per job key within one run (the session's Ledger settles them). */
export class Tally {
  readonly seen = new Map<string, number>();
  processed = 0;
  lastAt = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  record(key: string, at: number): void {
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
    this.processed++;
    this.lastAt = at;
    if (this.waiters.length > 0) this.wake();
  }

  /** Resolves once `n` distinct keys were seen, or rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs: number): Promise<boolean> {
    if (this.seen.size >= n) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    const size = this.seen.size;
    const ready = this.waiters.filter((w) => size >= w.n);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => size < w.n);
    for (const w of ready) w.resolve();
  }
}
