import { describe, expect, it } from 'vitest';
import { createConveyor, defineJob, ValidationError } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();

function recorder(queue: string) {
  const ran: string[] = [];
  const job = defineJob<{ n: number }>({
    name: `${queue}-job`,
    queue,
    handler: ({ tenantId, payload }) => {
      ran.push(`${tenantId}:${payload.n}`);
    },
  });
  return { ran, job };
}

describe('pause and resume', () => {
  it('pauses a queue without losing or running its jobs, then resumes it', async () => {
    const { ran, job } = recorder('reports');
    const conveyor = db.open({ jobs: [job], schema: 'pausing' });
    await conveyor.worker({ handleSignals: false, pollInterval: 100 }).start();
    await conveyor.queues.pause('reports');
    await conveyor.enqueueMany(job, [{ payload: { n: 1 } }, { payload: { n: 2 } }]);
    const stillReady = async () => (await conveyor.stats()).find((s) => s.queue === 'reports')?.counts.ready;
    await expect.poll(stillReady, { timeout: 2_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ran).toEqual([]);
    await conveyor.queues.resume('reports');
    await expect.poll(() => ran.length, { timeout: 5_000 }).toBe(2);
  });

  it('pauses one group while the others go on', async () => {
    const { ran, job } = recorder('emails');
    const conveyor = db.open({ jobs: [job], schema: 'pause_group' });
    await conveyor.queues.pauseGroup('emails', 'acme');
    await conveyor.enqueue(job, { n: 1 }, { tenantId: 'acme' });
    await conveyor.enqueue(job, { n: 2 }, { tenantId: 'globex' });
    await conveyor.worker({ handleSignals: false, pollInterval: 100 }).start();
    await expect.poll(() => ran, { timeout: 5_000 }).toEqual(['globex:2']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ran).toEqual(['globex:2']);
    expect((await conveyor.queues.groups('emails')).map((g) => [g.groupKey, g.paused])).toEqual([
      ['acme', true],
    ]);
    await conveyor.queues.resumeGroup('emails', 'acme');
    await expect.poll(() => ran.length, { timeout: 5_000 }).toBe(2);
  });
});

describe('runtime configuration', () => {
  it('applies a runtime override of a group limit to the next claims', async () => {
    let running = 0;
    let peak = 0;
    let done = 0;
    let open = false;
    const gate: (() => void)[] = [];
    const job = defineJob<{ n: number }>({
      name: 'recalc',
      queue: 'relowisa',
      handler: async () => {
        running += 1;
        peak = Math.max(peak, running);
        if (!open) await new Promise<void>((resolve) => gate.push(resolve));
        running -= 1;
        done += 1;
      },
    });
    const conveyor = db.open({
      jobs: [job],
      schema: 'override',
      queues: { relowisa: { groupConcurrency: 1 } },
    });
    await conveyor.enqueueMany(
      job,
      Array.from({ length: 6 }, (_, n) => ({ payload: { n }, options: { tenantId: 'big-tenant' } })),
    );
    await conveyor.worker({ concurrency: 6, handleSignals: false, pollInterval: 100 }).start();
    await expect.poll(() => running, { timeout: 5_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(running).toBe(1);
    await conveyor.queues.setGroup('relowisa', 'big-tenant', { concurrency: 3 });
    await expect.poll(() => running, { timeout: 5_000 }).toBe(3);
    open = true;
    for (const release of gate.splice(0)) release();
    await expect.poll(() => done, { timeout: 5_000 }).toBe(6);
    expect(peak).toBe(3);
  });

  it('stores code config and runtime changes, and rejects bad ones by field', async () => {
    const { job } = recorder('documents');
    const conveyor = db.open({
      jobs: [job],
      schema: 'configure',
      queues: { documents: { priority: 2, rateLimit: { max: 20, per: '1s' }, globalConcurrency: 8 } },
    });
    await conveyor.migrate();
    await conveyor.queues.configure('documents', { groupConcurrency: 2, rateLimit: null });
    const [stored] = await conveyor.queues.list();
    expect(stored).toMatchObject({
      name: 'documents',
      priority: 2,
      globalConcurrency: 8,
      groupConcurrency: 2,
      rateLimit: null,
      paused: false,
    });

    await expect(conveyor.queues.configure('documents', { globalConcurrency: -1 })).rejects.toThrow(
      /change\.globalConcurrency: must be a whole number ≥ 1/,
    );
    await expect(conveyor.queues.configure('documents', { rateLimit: { max: 5, per: 0 } })).rejects.toThrow(
      /change\.rateLimit\.per/,
    );
    await expect(conveyor.queues.pause('nope')).rejects.toThrow(/"nope" is not a known queue/);
    await expect(conveyor.queues.setGroup('documents', 'acme', { weight: 0 })).rejects.toThrow(
      ValidationError,
    );
    expect(() =>
      createConveyor({ jobs: [job], queues: { documents: { groupRateLimit: { max: 0, per: '1s' } } } }),
    ).toThrow(/queues\.documents\.groupRateLimit\.max/);
    const rows = await sql(db.url, "SELECT 1 FROM configure.queues WHERE name = 'nope'");
    expect(rows).toEqual([]);
  });
});
