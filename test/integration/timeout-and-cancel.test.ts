import { describe, expect, it } from 'vitest';
import { defineJob, JobCancelledError, JobTimeoutError } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();

function untilAborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

describe('timeouts', () => {
  it('aborts the handler signal on timeout and fails the attempt with JOB_TIMEOUT', async () => {
    const reasons: unknown[] = [];
    const slow = defineJob({
      name: 'slow',
      defaults: { attempts: 1, timeout: 100 },
      handler: async ({ signal }) => {
        reasons.push(await untilAborted(signal));
      },
    });
    const conveyor = db.open({ jobs: [slow], schema: 'timeouts' });
    await conveyor.worker({ handleSignals: false }).start();
    const dead = conveyor.once('job:dead');
    const { id } = await conveyor.enqueue(slow, {});
    const event = await dead;
    expect(event.error.code).toBe('JOB_TIMEOUT');
    expect(reasons[0]).toBeInstanceOf(JobTimeoutError);
    const job = await conveyor.getJob(id);
    expect(job?.state).toBe('dead');
    expect(job?.errors[0]?.message).toMatch(/timeout of 100 ms/);
  });
});

describe('cancellation', () => {
  it('cancels a queued job so it never runs', async () => {
    let ran = false;
    const later = defineJob({
      name: 'later',
      handler: () => {
        ran = true;
      },
    });
    const conveyor = db.open({ jobs: [later], schema: 'cancel_queued' });
    const { id } = await conveyor.enqueue(later, {}, { delay: '1h' });
    const event = conveyor.once('job:cancelled');
    expect(await conveyor.cancel(id)).toBe(true);
    // The event carries the job's public info, like every lifecycle event.
    expect(await event).toMatchObject({
      jobId: id,
      previousState: 'scheduled',
      job: { id, name: 'later', attempt: 0, claimedAt: null },
    });
    expect(await conveyor.cancel(id)).toBe(false);
    await conveyor.worker({ handleSignals: false }).start();
    expect((await conveyor.getJob(id))?.state).toBe('cancelled');
    expect(ran).toBe(false);
  });

  it('aborts a running handler (also from another process) and writes no outcome', async () => {
    const started: string[] = [];
    const reasons: unknown[] = [];
    const long = defineJob({
      name: 'long',
      handler: async ({ signal, job }) => {
        started.push(job.id);
        reasons.push(await untilAborted(signal));
        return 'finished anyway';
      },
    });
    const workerSide = db.open({ jobs: [long], schema: 'cancel_running' });
    const otherProcess = db.open({ jobs: [long], schema: 'cancel_running' });
    await workerSide.worker({ handleSignals: false }).start();
    const active = workerSide.once('job:active');
    const { id } = await otherProcess.enqueue(long, {});
    await active;
    expect(await otherProcess.cancel(id)).toBe(true);
    await expect.poll(() => reasons.length, { timeout: 5_000 }).toBe(1);
    expect(reasons[0]).toBeInstanceOf(JobCancelledError);
    const job = await workerSide.getJob(id);
    expect(job?.state).toBe('cancelled');
    expect(started).toEqual([id]);
  });
});
