import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConveyor, defineJob, type LifecycleEventName } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { testLogger } from '../support/silent-logger.ts';

const db = useConveyorDatabase();

describe('worker runtime', () => {
  it('never runs more than `concurrency` jobs at once and completes them all', async () => {
    let running = 0;
    let peak = 0;
    const work = defineJob<{ n: number }>({
      name: 'work',
      handler: async ({ payload }) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5 + (payload.n % 5)));
        running -= 1;
        return payload.n;
      },
    });
    const conveyor = db.open({ jobs: [work], schema: 'runtime' });
    const results = new Set<number>();
    conveyor.on('job:completed', ({ result }) => results.add(result as number));
    await conveyor.enqueueMany(
      work,
      Array.from({ length: 300 }, (_, n) => ({ payload: { n } })),
    );
    const worker = conveyor.worker({ concurrency: 7, handleSignals: false });
    await worker.start();
    await expect.poll(() => results.size, { timeout: 20_000 }).toBe(300);
    expect(peak).toBe(7);
    expect((await conveyor.stats())[0]?.counts).toMatchObject({ ready: 0, active: 0, completed: 300 });
  });

  it('emits lifecycle events in order and records progress', async () => {
    const seen: string[] = [];
    const report = defineJob({
      name: 'report',
      handler: async ({ progress, log }) => {
        log.info('building report');
        await progress({ pct: 50 });
        return 'done';
      },
    });
    const conveyor = db.open({ jobs: [report], schema: 'events' });
    for (const event of ['job:active', 'job:progress', 'job:completed'] as LifecycleEventName[]) {
      conveyor.on(event, () => seen.push(event));
    }
    const progress = conveyor.once('job:progress');
    await conveyor.worker({ handleSignals: false }).start();
    const completed = conveyor.once('job:completed');
    await conveyor.enqueue(report, {}, { tenantId: 'acme' });
    expect((await progress).progress).toEqual({ pct: 50 });
    const done = await completed;
    expect(done.job.tenantId).toBe('acme');
    expect(done.result).toBe('done');
    expect(seen).toEqual(['job:active', 'job:progress', 'job:completed']);
  });

  it('runs a job in-process with run(), passing dryRun, without touching the queue', async () => {
    const seen: boolean[] = [];
    const accountTypes = defineJob<{ limit: number }>({
      name: 'update-account-types',
      handler: ({ payload, dryRun, tenantId }) => {
        seen.push(dryRun);
        return { tenantId, wouldUpdate: payload.limit };
      },
    });
    const conveyor = db.open({ jobs: [accountTypes], schema: 'runner' });
    const { result } = await conveyor.run(
      'update-account-types',
      { limit: 3 },
      { tenantId: 'leora', dryRun: true },
    );
    expect(result).toEqual({ tenantId: 'leora', wouldUpdate: 3 });
    expect(seen).toEqual([true]);
    expect(await conveyor.stats()).toEqual([
      {
        queue: 'default',
        counts: { scheduled: 0, ready: 0, active: 0, completed: 0, dead: 0, cancelled: 0 },
      },
    ]);
  });
});

describe('embedded mode (no DATABASE_URL)', () => {
  it('runs jobs on PGlite in a local folder, and keeps them across restarts', async () => {
    const dataDir = join(tmpdir(), `conveyor-embedded-${process.pid}-${Date.now()}`);
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const echo = defineJob<{ word: string }>({ name: 'echo', handler: ({ payload }) => payload.word });
      const first = createConveyor({ jobs: [echo], dataDir, logger: testLogger });
      const queued = await first.enqueue(echo, { word: 'kept' }, { delay: '1h' });
      await first.close();

      const second = createConveyor({ jobs: [echo], dataDir, logger: testLogger });
      expect((await second.getJob(queued.id))?.state).toBe('scheduled');
      await second.worker({ handleSignals: false }).start();
      const done = second.once('job:completed');
      await second.enqueue(echo, { word: 'hello' });
      expect((await done).result).toBe('hello');
      await second.close();
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('enqueueing from a handler', () => {
  it('enqueues follow-up jobs with the tenant inherited, and writes nothing under a dry run', async () => {
    const seen: (string | null)[] = [];
    const child = defineJob<{ step: number }>({
      name: 'child-step',
      handler: ({ tenantId }) => {
        seen.push(tenantId);
      },
    });
    const parent = defineJob<{ fanOut: number }>({
      name: 'parent-step',
      handler: async ({ payload, enqueue }) => {
        const ids = [];
        for (let step = 0; step < payload.fanOut; step += 1) ids.push((await enqueue(child, { step })).id);
        return ids;
      },
    });
    const conveyor = db.open({ jobs: [parent, child], schema: 'fan_out' });
    const dry = await conveyor.run('parent-step', { fanOut: 2 }, { tenantId: 'acme', dryRun: true });
    expect(dry.result).toEqual([null, null]);
    expect((await conveyor.stats())[0]?.counts.ready).toBe(0);

    await conveyor.worker({ handleSignals: false }).start();
    await conveyor.enqueue(parent, { fanOut: 3 }, { tenantId: 'acme' });
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(3);
    expect(seen).toEqual(['acme', 'acme', 'acme']);
  });
});
