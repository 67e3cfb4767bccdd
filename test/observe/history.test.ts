/** Run history: one row per attempt with durations, CPU, memory, host, result, error and stack. */
import { hostname } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { resolveOptions } from '../../src/client/conveyor-options.ts';
import { openStore } from '../../src/client/open-store.ts';
import { defineJob } from '../../src/index.ts';
import { pruneHistory } from '../../src/observe/history-retention.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { minutes, seedRuns } from './runs-seed.ts';

const db = useConveyorDatabase();

const work = defineJob({
  name: 'work',
  queue: 'history',
  handler: async ({ payload }: { payload: { n: number } }) => {
    let x = 0;
    for (let i = 0; i < 200_000; i += 1) x += Math.sqrt(i);
    const junk = Array.from({ length: 20_000 }, (_, i) => ({ i }));
    return { n: payload.n, ok: x > 0 && junk.length > 0 };
  },
});
let flakyCalls = 0;
const flaky = defineJob({
  name: 'flaky',
  queue: 'history',
  defaults: { attempts: 3, backoff: { type: 'fixed', delay: 10 } },
  handler: async () => {
    flakyCalls += 1;
    if (flakyCalls === 1) throw new Error('gateway timed out for order 123');
    return 'second time lucky';
  },
});
const sleepy = defineJob({
  name: 'sleepy',
  queue: 'history',
  defaults: { attempts: 1, timeout: 50 },
  handler: ({ signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(null))),
});
const doomed = defineJob({
  name: 'doomed',
  queue: 'history',
  defaults: { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
  handler: () => {
    throw new TypeError('cannot read property x');
  },
});

interface RunRow {
  job_id: string;
  name: string;
  attempt: number;
  status: string;
  tenant_id: string | null;
  result: unknown;
  error: { message: string; stack?: string; code?: string } | null;
  duration_ms: number | null;
  wait_ms: number | null;
  cpu_ms: number | null;
  heap_delta_bytes: string | null;
  rss_delta_bytes: string | null;
  worker_id: string | null;
  worker_host: string | null;
  payload: unknown;
}

describe('run history', () => {
  it('writes one row per attempt with every field, for success, retry, timeout and dead', async () => {
    const conveyor = db.open({ jobs: [work, flaky, sleepy, doomed] });
    const enqueued = {
      work: await conveyor.enqueue(work, { n: 7 }, { tenantId: 't1' }),
      flaky: await conveyor.enqueue(flaky, null, { tenantId: 't1' }),
      sleepy: await conveyor.enqueue(sleepy, null),
      doomed: await conveyor.enqueue(doomed, null),
    };
    const finished = Promise.all([
      conveyor.once('job:completed', (e) => e.job.id === enqueued.work.id),
      conveyor.once('job:completed', (e) => e.job.id === enqueued.flaky.id),
      conveyor.once('job:dead', (e) => e.job.id === enqueued.sleepy.id),
      conveyor.once('job:dead', (e) => e.job.id === enqueued.doomed.id),
    ]);
    const worker = conveyor.worker({ handleSignals: false, concurrency: 1 });
    await worker.start();
    await finished;
    await worker.stop();

    const rows = await sql<RunRow>(db.url, 'SELECT * FROM conveyor.job_runs ORDER BY job_id, attempt');
    const of = (id: string) => rows.filter((r) => r.job_id === id);

    const [ok] = of(enqueued.work.id);
    expect(ok).toMatchObject({ status: 'completed', attempt: 1, tenant_id: 't1', payload: { n: 7 } });
    expect(ok!.result).toEqual({ n: 7, ok: true });
    expect(ok!.worker_host).toBe(hostname());
    expect(ok!.worker_id).toContain(hostname());
    expect(ok!.duration_ms).toBeGreaterThan(0);
    expect(ok!.wait_ms).toBeGreaterThanOrEqual(0);
    expect(ok!.cpu_ms).toBeGreaterThan(0);
    expect(ok!.heap_delta_bytes).not.toBeNull();
    expect(ok!.rss_delta_bytes).not.toBeNull();

    const retried = of(enqueued.flaky.id);
    expect(retried.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(retried[0]!.error!.message).toBe('gateway timed out for order 123');
    expect(retried[0]!.error!.stack).toContain('gateway timed out');
    expect(retried[0]!.cpu_ms).not.toBeNull();
    expect(retried[0]!.worker_host).toBe(hostname());
    expect(retried[1]!.result).toBe('second time lucky');
    // The retry waited for its backoff: its wait is measured from when it was due, not from enqueue.
    expect(retried[1]!.wait_ms).toBeGreaterThanOrEqual(0);

    const [timedOut] = of(enqueued.sleepy.id);
    expect(timedOut).toMatchObject({ status: 'dead', attempt: 1 });
    expect(timedOut!.error!.code).toBe('JOB_TIMEOUT');
    expect(timedOut!.duration_ms).toBeGreaterThanOrEqual(45);

    const dead = of(enqueued.doomed.id);
    expect(dead.map((r) => r.status)).toEqual(['failed', 'dead']);
    expect(dead[1]!.error!.stack).toMatch(/^TypeError: cannot read property x/);
  });

  it('retention drops old rows and old resolved incidents only, in batches, across every queue', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    await seedRuns(
      db.url,
      Array.from({ length: 2_500 }, (_, i) => ({
        name: 'ancient',
        queue: `q${i % 3}`,
        status: i % 2 ? ('completed' as const) : ('dead' as const),
        at: minutes(now, -(40 * 24 * 60) - i),
      })),
    );
    await seedRuns(db.url, [{ name: 'fresh', status: 'completed', at: minutes(now, -60) }]);
    // Incidents: resolved long ago (deleted), resolved lately (kept), open since long ago (kept).
    const incident = (subject: string, openedDaysAgo: number, resolvedDaysAgo: number | null) =>
      sql(
        db.url,
        `INSERT INTO conveyor.alert_incidents (rule, kind, subject, severity, message, opened_at, resolved_at)
         VALUES ('r', 'error-rate', $1, 'warning', 'm', $2, $3)`,
        [
          subject,
          minutes(now, -openedDaysAgo * 1440),
          resolvedDaysAgo === null ? null : minutes(now, -resolvedDaysAgo * 1440),
        ],
      );
    // 1,001 resolved long ago, in one statement (one connection per row is slow on a loaded machine).
    await sql(
      db.url,
      `INSERT INTO conveyor.alert_incidents (rule, kind, subject, severity, message, opened_at, resolved_at)
       SELECT 'r', 'error-rate', 'old-' || i, 'warning', 'm', $1, $2 FROM generate_series(0, 1000) AS i`,
      [minutes(now, -45 * 1440), minutes(now, -40 * 1440)],
    );
    await incident('recent', 45, 2);
    await incident('still-open', 60, null);
    const store = await openStore(resolveOptions({ jobs: [], databaseUrl: db.url }), testLogger);
    try {
      expect(await pruneHistory(store, 30 * 86_400_000, now)).toEqual({ runs: 2_500, incidents: 1_001 });
      const left = await sql<{ name: string }>(
        db.url,
        "SELECT name FROM conveyor.job_runs WHERE name IN ('ancient', 'fresh')",
      );
      expect(left).toEqual([{ name: 'fresh' }]);
      const incidents = await sql<{ subject: string }>(
        db.url,
        'SELECT subject FROM conveyor.alert_incidents ORDER BY subject',
      );
      expect(incidents).toEqual([{ subject: 'recent' }, { subject: 'still-open' }]);
    } finally {
      await store.close();
    }
  });

  it('a running worker applies the history age limit (retention.history.age)', async () => {
    await seedRuns(db.url, [
      { name: 'old-one', queue: 'elsewhere', status: 'completed', at: new Date(Date.now() - 3 * 86_400_000) },
    ]);
    await seedRuns(db.url, [{ name: 'new-one', queue: 'elsewhere', status: 'completed', at: new Date() }]);
    const conveyor = db.open({ jobs: [work], retention: { history: { age: '2d' } }, pruneInterval: 100 });
    const worker = conveyor.worker({ handleSignals: false });
    await worker.start();
    await vi.waitFor(
      async () => {
        const rows = await sql(db.url, "SELECT 1 FROM conveyor.job_runs WHERE name = 'old-one'");
        expect(rows).toHaveLength(0);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(await sql(db.url, "SELECT 1 FROM conveyor.job_runs WHERE name = 'new-one'")).toHaveLength(1);
    await worker.stop();
  });
});
