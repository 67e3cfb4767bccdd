/**
 * Promotes due scheduled jobs (delayed, or waiting out a retry backoff) to ready, in batches
 * (D5.4). It sleeps until the next due time it knows of, at most `intervalMs`: jobs scheduled by
 * this process tell it their time at once; jobs scheduled elsewhere are seen within the interval.
 * Several processes may promote at once: the statement skips rows another one holds.
 */
import type { Logger } from 'pino';
import type { Service } from '../runtime/service.ts';
import type { Store } from '../store/store.ts';
import { PeriodicTask } from './periodic-task.ts';

const BATCH = 1_000;

export class Promoter implements Service {
  readonly name = 'promoter';
  readonly #task: PeriodicTask;
  readonly #now: () => Date;
  #nextDueMs = Number.POSITIVE_INFINITY;

  constructor(store: () => Promise<Store>, now: () => Date, intervalMs: number, log: Logger) {
    this.#now = now;
    this.#task = new PeriodicTask(
      'promoter',
      async () => {
        const at = now();
        const { promoted, nextRunAt } = await (await store()).jobPromoteDue({ now: at, limit: BATCH });
        if (promoted >= BATCH) return 0;
        this.#nextDueMs = nextRunAt ? nextRunAt.getTime() : Number.POSITIVE_INFINITY;
        return Math.min(intervalMs, Math.max(0, this.#nextDueMs - now().getTime()));
      },
      log,
    );
  }

  async start(): Promise<void> {
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** A job was scheduled for `runAt`: wake up then if that is sooner than planned. */
  scheduledAt(runAt: Date): void {
    if (runAt.getTime() >= this.#nextDueMs) return;
    this.#nextDueMs = runAt.getTime();
    this.#task.runSoon(runAt.getTime() - this.#now().getTime());
  }
}
