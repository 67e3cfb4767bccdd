/**
 * The job ledger of a fault test: every id enqueued, every handler run (in this process), and at
 * the end what the database says. It holds when every enqueued job has a completed run, nothing is
 * left in `jobs` (none stuck active past its lease, none lost in ready), and it reports the
 * duplicates at-least-once delivery allowed (handlers that ran twice), so they are counted and
 * printed rather than hidden.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { type Conveyor, defineJob } from '../../src/index.ts';

export interface LedgerReport {
  enqueued: number;
  completed: number;
  /** Jobs whose handler ran more than once. */
  duplicates: number;
  /** Run rows of attempts that failed or stalled (lost to the fault and retried or rescued). */
  failedAttempts: number;
  stalledAttempts: number;
}

export class JobLedger {
  readonly enqueued: string[] = [];
  readonly #runs = new Map<string, number>();
  #runCount = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  /** A job that records its run and takes 1–4 ms; many attempts, short backoff, so faults cost no job. */
  readonly job = defineJob<{ n: number }>({
    name: 'ledger-job',
    queue: 'faults',
    defaults: { attempts: 50, backoff: { type: 'fixed', delay: 20 } },
    handler: async ({ job }) => {
      this.#runs.set(job.id, (this.#runs.get(job.id) ?? 0) + 1);
      this.#runCount += 1;
      for (const waiter of this.#waiters.filter((w) => this.#runCount >= w.count)) waiter.resolve();
      this.#waiters = this.#waiters.filter((w) => this.#runCount < w.count);
      await delay(1 + Math.random() * 3);
    },
  });

  async enqueue(conveyor: Conveyor, count: number): Promise<void> {
    const base = this.enqueued.length;
    const items = Array.from({ length: count }, (_, i) => ({ payload: { n: base + i } }));
    for (const job of await conveyor.enqueueMany(this.job, items)) this.enqueued.push(job.id);
  }

  /** Resolves once handlers have run `count` times in all. */
  ran(count: number): Promise<void> {
    if (this.#runCount >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /**
   * Waits until the database holds no live job (bounded). The database cannot signal this, and
   * events are not enough: a completion that committed after its client gave up emits none.
   */
  async settled(url: string, withinMs = 20_000): Promise<void> {
    const started = Date.now();
    for (;;) {
      const [row] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM conveyor.jobs');
      if (row?.n === 0) return;
      if (Date.now() - started > withinMs) throw new Error(`${row?.n} jobs still live after ${withinMs} ms`);
      await delay(100);
    }
  }

  /** Checks the ledger against the database; throws with the ids that break it. */
  async check(url: string): Promise<LedgerReport> {
    const runs = await query<{ id: string; completed: number; failed: number; stalled: number }>(
      url,
      `SELECT job_id::text AS id,
              count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status IN ('failed', 'dead'))::int AS failed,
              count(*) FILTER (WHERE status = 'stalled')::int AS stalled
       FROM conveyor.job_runs GROUP BY job_id`,
    );
    const byId = new Map(runs.map((r) => [r.id, r]));
    const missing = this.enqueued.filter((id) => (byId.get(id)?.completed ?? 0) < 1);
    const live = await query<{ id: string; state: string }>(url, 'SELECT id::text, state FROM conveyor.jobs');
    if (missing.length > 0 || live.length > 0) {
      throw new Error(
        `ledger broken: ${missing.length} enqueued jobs never completed (${missing.slice(0, 10).join(', ')}); ` +
          `live jobs left: ${JSON.stringify(live.slice(0, 10))}`,
      );
    }
    return {
      enqueued: this.enqueued.length,
      completed: this.enqueued.filter((id) => (byId.get(id)?.completed ?? 0) >= 1).length,
      duplicates: [...this.#runs.values()].filter((n) => n > 1).length,
      failedAttempts: runs.reduce((sum, r) => sum + r.failed, 0),
      stalledAttempts: runs.reduce((sum, r) => sum + r.stalled, 0),
    };
  }
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}
