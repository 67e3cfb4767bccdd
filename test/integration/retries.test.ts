import { describe, expect, it } from 'vitest';
import { defineJob, type LifecycleEvents } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();

/** Collects retry delays (retryAt − failure time) and resolves when the job ends. */
function followJob(conveyor: ReturnType<typeof db.open>, name: string) {
  const delays: number[] = [];
  conveyor.on('job:retrying', ({ job, error, retryAt }) => {
    if (job.name === name) delays.push(retryAt.getTime() - new Date(error.at).getTime());
  });
  const ended = Promise.race([
    conveyor
      .once('job:completed', (e) => e.job.name === name)
      .then((e) => ({ kind: 'completed' as const, event: e })),
    conveyor.once('job:dead', (e) => e.job.name === name).then((e) => ({ kind: 'dead' as const, event: e })),
  ]);
  return { delays, ended };
}

describe('retries and backoff', () => {
  it('retries with fixed backoff until the handler succeeds, one run row per attempt', async () => {
    let calls = 0;
    const flaky = defineJob<{ n: number }>({
      name: 'flaky-fixed',
      defaults: { attempts: 3, backoff: { type: 'fixed', delay: 60 } },
      handler: async ({ job }) => {
        calls += 1;
        if (job.attempt < 3) throw new Error(`fail ${job.attempt}`);
        return { attempt: job.attempt };
      },
    });
    const conveyor = db.open({ jobs: [flaky], schema: 'fixed' });
    const { delays, ended } = followJob(conveyor, 'flaky-fixed');
    const worker = conveyor.worker({ concurrency: 2, handleSignals: false });
    await worker.start();
    const { id } = await conveyor.enqueue(flaky, { n: 1 });
    const end = await ended;
    expect(end.kind).toBe('completed');
    expect(calls).toBe(3);
    expect(delays).toEqual([60, 60]);
    const runs = await sql<{ attempt: number; status: string }>(
      db.url,
      'SELECT attempt, status FROM fixed.job_runs WHERE job_id = $1 ORDER BY id',
      [id],
    );
    expect(runs).toEqual([
      { attempt: 1, status: 'failed' },
      { attempt: 2, status: 'failed' },
      { attempt: 3, status: 'completed' },
    ]);
    expect((await conveyor.getJob(id))?.result).toEqual({ attempt: 3 });
    await worker.stop();
  });

  it('doubles exponential delays and ends dead with every error kept', async () => {
    const failing = defineJob({
      name: 'always-fails',
      defaults: { attempts: 3, backoff: { type: 'exponential', delay: 40 } },
      handler: async ({ job }) => {
        throw new Error(`attempt ${job.attempt} failed`);
      },
    });
    const conveyor = db.open({ jobs: [failing], schema: 'expo' });
    const { delays, ended } = followJob(conveyor, 'always-fails');
    const failed: LifecycleEvents['job:failed'][] = [];
    conveyor.on('job:failed', (e) => failed.push(e));
    await conveyor.worker({ handleSignals: false }).start();
    const { id } = await conveyor.enqueue(failing, {});
    const end = await ended;
    expect(end.kind).toBe('dead');
    expect(delays).toEqual([40, 80]);
    expect(failed.map((e) => e.willRetry)).toEqual([true, true, false]);
    const dead = await conveyor.getJob(id);
    expect(dead?.state).toBe('dead');
    expect(dead?.errors.map((e) => e.message)).toEqual([
      'attempt 1 failed',
      'attempt 2 failed',
      'attempt 3 failed',
    ]);
    expect(dead?.errors[0]?.stack).toContain('attempt 1 failed');
  });

  it('uses a custom backoff function from the definition, and per-enqueue backoff overrides it', async () => {
    let fail = true;
    const custom = defineJob({
      name: 'custom-backoff',
      defaults: { attempts: 2, backoff: (attempt) => attempt * 75 },
      handler: async () => {
        if (fail) {
          fail = false;
          throw new Error('once');
        }
      },
    });
    const conveyor = db.open({ jobs: [custom], schema: 'custom' });
    await conveyor.worker({ handleSignals: false }).start();
    const first = followJob(conveyor, 'custom-backoff');
    await conveyor.enqueue(custom, {});
    expect((await first.ended).kind).toBe('completed');
    expect(first.delays).toEqual([75]);

    fail = true;
    const second = followJob(conveyor, 'custom-backoff');
    await conveyor.enqueue(custom, {}, { backoff: { type: 'fixed', delay: 30, jitter: 0.5 } });
    expect((await second.ended).kind).toBe('completed');
    expect(second.delays[0]).toBeGreaterThanOrEqual(15);
    expect(second.delays[0]).toBeLessThanOrEqual(30);
  });
});
