import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();

describe('fair scheduling across groups', () => {
  it('serves small tenants long before a flooding tenant finishes', async () => {
    const order: string[] = [];
    const sync = defineJob<{ n: number }>({
      name: 'tenant-sync',
      queue: 'sync',
      handler: ({ tenantId }) => {
        order.push(tenantId ?? '');
      },
    });
    const conveyor = db.open({ jobs: [sync], schema: 'fair' });
    await conveyor.enqueueMany(
      sync,
      Array.from({ length: 2_000 }, (_, n) => ({ payload: { n }, options: { tenantId: 'flood' } })),
    );
    const small = Array.from({ length: 20 }, (_, t) => `small-${String(t).padStart(2, '0')}`);
    for (const tenantId of small) {
      await conveyor.enqueueMany(
        sync,
        Array.from({ length: 5 }, (_, n) => ({ payload: { n }, options: { tenantId } })),
      );
    }
    await conveyor.worker({ concurrency: 10, handleSignals: false }).start();
    await expect.poll(() => order.length, { timeout: 30_000 }).toBe(2_100);
    const lastSmall = Math.max(...small.map((t) => order.lastIndexOf(t)));
    // Round-robin: each small tenant's 5 jobs take at most ~5 turns of 21 groups.
    expect(lastSmall).toBeLessThan(250);
    expect(order.indexOf('flood')).toBeLessThan(25);
  });

  it('gives a weighted group proportionally more turns', async () => {
    const order: string[] = [];
    const work = defineJob<{ n: number }>({
      name: 'weighted',
      queue: 'weighted',
      handler: ({ tenantId }) => {
        order.push(tenantId ?? '');
      },
    });
    const conveyor = db.open({ jobs: [work], schema: 'weights' });
    await conveyor.queues.setGroup('weighted', 'heavy', { weight: 3 });
    for (const tenantId of ['heavy', 'light']) {
      await conveyor.enqueueMany(
        work,
        Array.from({ length: 300 }, (_, n) => ({ payload: { n }, options: { tenantId } })),
      );
    }
    await conveyor.worker({ concurrency: 4, prefetch: 0, handleSignals: false }).start();
    await expect.poll(() => order.length, { timeout: 20_000 }).toBe(600);
    const firstHalf = order.slice(0, 200);
    const heavy = firstHalf.filter((t) => t === 'heavy').length;
    expect(heavy / (200 - heavy)).toBeGreaterThan(2);
  });
});

describe('priorities inside a group', () => {
  const urgent = new Date(Date.now() - 3_600_000);

  it('orders by priority, and ages an old low-priority job ahead of fresh urgent ones', async () => {
    const order: number[] = [];
    const task = defineJob<{ n: number }>({
      name: 'task',
      queue: 'aging',
      handler: ({ payload }) => {
        order.push(payload.n);
      },
    });
    const conveyor = db.open({ jobs: [task], schema: 'aging', queues: { aging: { aging: '1m' } } });
    await conveyor.enqueue(task, { n: 1 }, { priority: 5 });
    await conveyor.enqueue(task, { n: 2 }, { priority: 0 });
    await conveyor.enqueue(task, { n: 3 }, { priority: 5, runAt: urgent });
    await conveyor.worker({ concurrency: 1, prefetch: 0, handleSignals: false }).start();
    await expect.poll(() => order.length, { timeout: 10_000 }).toBe(3);
    // n=3 waited an hour: 60 steps of aging outweigh its 5 levels; n=1 is fresh, so it goes last.
    expect(order).toEqual([3, 2, 1]);
  });

  it('keeps priorities strict with aging: false', async () => {
    const order: number[] = [];
    const task = defineJob<{ n: number }>({
      name: 'strict-task',
      queue: 'strict',
      handler: ({ payload }) => {
        order.push(payload.n);
      },
    });
    const conveyor = db.open({ jobs: [task], schema: 'strict', queues: { strict: { aging: false } } });
    await conveyor.enqueue(task, { n: 1 }, { priority: 5, runAt: urgent });
    await conveyor.enqueue(task, { n: 2 }, { priority: 0 });
    await conveyor.enqueue(task, { n: 3 }, { priority: 1 });
    await conveyor.worker({ concurrency: 1, prefetch: 0, handleSignals: false }).start();
    await expect.poll(() => order.length, { timeout: 10_000 }).toBe(3);
    expect(order).toEqual([2, 3, 1]);
  });
});
