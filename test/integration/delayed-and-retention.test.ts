import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();

describe('delayed jobs', () => {
  it('runs a delayed job no earlier than its time, promoted in batches', async () => {
    const startedAt = new Map<string, number>();
    const reminder = defineJob({
      name: 'reminder',
      handler: ({ job }) => {
        startedAt.set(job.id, Date.now());
      },
    });
    const conveyor = db.open({ jobs: [reminder], schema: 'delayed' });
    await conveyor.worker({ handleSignals: false }).start();
    const enqueuedAt = Date.now();
    const ids = await Promise.all([300, 300, 600].map((delay) => conveyor.enqueue(reminder, {}, { delay })));
    expect((await conveyor.getJob(ids[0]!.id))?.state).toBe('scheduled');
    await expect.poll(() => startedAt.size, { timeout: 5_000 }).toBe(3);
    expect(startedAt.get(ids[0]!.id)! - enqueuedAt).toBeGreaterThanOrEqual(300);
    expect(startedAt.get(ids[2]!.id)! - enqueuedAt).toBeGreaterThanOrEqual(600);
  });

  it('runs delayed jobs of a bulk enqueue at their time, not at the next promote interval', async () => {
    const startedAt = new Map<number, number>();
    const bulk = defineJob<{ n: number }>({
      name: 'bulk-delayed',
      handler: ({ payload }) => {
        startedAt.set(payload.n, Date.now());
      },
    });
    // The promoter's own poll is an hour away: only the enqueue telling it can explain a prompt run.
    const conveyor = db.open({ jobs: [bulk], schema: 'delayed_bulk', promoteInterval: '1h' });
    await conveyor.worker({ handleSignals: false, pollInterval: '1h' }).start();
    const enqueuedAt = Date.now();
    await conveyor.enqueueMany(bulk, [
      { payload: { n: 1 }, options: { delay: 300 } },
      { payload: { n: 2 }, options: { delay: 300 } },
    ]);
    await expect.poll(() => startedAt.size, { timeout: 5_000 }).toBe(2);
    expect(startedAt.get(1)! - enqueuedAt).toBeGreaterThanOrEqual(300);
  });

  it('runs a retry at its backoff time, with the promote interval an hour away', async () => {
    const attempts: number[] = [];
    const flaky = defineJob({
      name: 'flaky-retry',
      defaults: { attempts: 2, backoff: { type: 'fixed', delay: 300 } },
      handler: ({ job }) => {
        attempts.push(Date.now());
        if (job.attempt === 1) throw new Error('first attempt fails');
      },
    });
    const conveyor = db.open({ jobs: [flaky], schema: 'retry_promote', promoteInterval: '1h' });
    await conveyor.worker({ handleSignals: false, pollInterval: '1h' }).start();
    const done = conveyor.once('job:completed');
    await conveyor.enqueue(flaky, {});
    await done;
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(300);
  });

  it('promotes jobs delayed by another process within the promote interval', async () => {
    let ran = 0;
    const ping = defineJob({
      name: 'ping',
      handler: () => {
        ran += 1;
      },
    });
    const worker = db.open({ jobs: [ping], schema: 'delayed_remote', promoteInterval: 200 });
    const producer = db.open({ jobs: [ping], schema: 'delayed_remote' });
    await worker.worker({ handleSignals: false }).start();
    await producer.enqueue(ping, {}, { delay: 100 });
    await expect.poll(() => ran, { timeout: 3_000 }).toBe(1);
  });
});

describe('retention', () => {
  it('keeps completed and dead jobs per queue by count, pruning the oldest', async () => {
    const ok = defineJob<{ n: number }>({ name: 'ok', queue: 'ics', handler: ({ payload }) => payload.n });
    const bad = defineJob({
      name: 'bad',
      queue: 'ics',
      defaults: { attempts: 1 },
      handler: () => {
        throw new Error('no');
      },
    });
    const conveyor = db.open({
      jobs: [ok, bad],
      schema: 'retention',
      queues: { ics: { retention: { completed: { count: 2 }, failed: { count: 1 } } } },
    });
    await conveyor.worker({ concurrency: 1, prefetch: 0, handleSignals: false }).start();
    let finished = 0;
    const all = new Promise<void>((resolve) => {
      const count = () => {
        finished += 1;
        if (finished === 8) resolve();
      };
      conveyor.on('job:completed', count);
      conveyor.on('job:dead', count);
    });
    for (let n = 0; n < 5; n += 1) await conveyor.enqueue(ok, { n });
    for (let n = 0; n < 3; n += 1) await conveyor.enqueue(bad, {});
    await all;
    const report = await conveyor.prune();
    expect(report).toEqual({ completed: 3, failed: 2, failedRuns: 2, keys: 0 });
    const kept = await sql<{ result: number }>(
      db.url,
      "SELECT result FROM retention.job_runs WHERE status = 'completed' ORDER BY result",
    );
    expect(kept.map((r) => r.result)).toEqual([3, 4]);
    const stats = await conveyor.stats();
    expect(stats).toEqual([
      { queue: 'ics', counts: { scheduled: 0, ready: 0, active: 0, completed: 2, dead: 1, cancelled: 0 } },
    ]);
    expect(await conveyor.prune()).toEqual({ completed: 0, failed: 0, failedRuns: 0, keys: 0 });
  });
});

describe('a queue that keeps no completed history', () => {
  it('completes jobs with a bare delete: events fire, no run row is written', async () => {
    const quick = defineJob<{ n: number }>({
      name: 'quick',
      queue: 'firehose',
      handler: ({ payload }) => payload.n,
    });
    const conveyor = db.open({
      jobs: [quick],
      schema: 'no_history',
      queues: { firehose: { retention: { completed: false } } },
    });
    await conveyor.worker({ handleSignals: false }).start();
    const results: number[] = [];
    conveyor.on('job:completed', ({ result }) => results.push(result as number));
    const ids = await conveyor.enqueueMany(quick, [{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    await expect.poll(() => results.length, { timeout: 5_000 }).toBe(2);
    const runs = await sql(db.url, 'SELECT 1 FROM no_history.job_runs');
    expect(runs).toEqual([]);
    expect(await conveyor.getJob(ids[0]!.id)).toBeNull();
  });
});
