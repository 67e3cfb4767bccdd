/**
 * "Why is this job waiting?" — each reason produced by a real setup on a real database: a paused
 * queue and group, a job scheduled later and one backing off after a failure, a queue and a group
 * at their concurrency limits (a worker holding a job open), a full rate window, no live worker for
 * the job's name (a worker that serves the queue but not the name), and jobs ahead in claim order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHandler, createApiHandler } from '../../src/api/index.ts';
import { type Conveyor, defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();

let release: () => void = () => {};
let gate = new Promise<void>((resolve) => {
  release = resolve;
});
const started: string[] = [];

const held = (queue: string) =>
  defineJob({
    name: `held-${queue}`,
    queue,
    handler: async ({ job }: { job: { id: string } }) => {
      started.push(job.id);
      await gate;
    },
  });
const heldGroup = held('limited-group');
const heldGlobal = held('limited-queue');
const rated = defineJob({ name: 'rated', queue: 'rated', handler: async () => {} });
const plain = defineJob({ name: 'plain', queue: 'plain', handler: async () => {} });
const other = defineJob({ name: 'other', queue: 'plain', handler: async () => {} });
const flaky = defineJob({
  name: 'flaky',
  queue: 'flaky',
  defaults: { attempts: 3, backoff: { type: 'fixed', delay: '1h' } },
  handler: async () => {
    throw new Error('upstream 503');
  },
});

let conveyor: Conveyor;
let handler: ApiHandler;

async function why(id: string) {
  const response = await handler.fetch(new Request(`http://localhost/api/v1/jobs/${id}/waiting`));
  expect(response.status).toBe(200);
  return (await response.json()) as {
    waiting: boolean;
    state: string;
    reasons: { code: string; message: string; detail: Record<string, unknown> }[];
  };
}

const codes = async (id: string) => (await why(id)).reasons.map((r) => r.code);

async function until(check: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not reached');
}

beforeAll(async () => {
  conveyor = db.open({
    jobs: [heldGroup, heldGlobal, rated, plain, other, flaky],
    queues: {
      'limited-group': { groupConcurrency: 1 },
      'limited-queue': { globalConcurrency: 1 },
      rated: { rateLimit: { max: 1, per: '1h' } },
    },
  });
  handler = createApiHandler({ conveyor, auth: 'disabled' });
});

afterAll(async () => {
  release();
  await handler?.settled();
});

describe('GET /jobs/{id}/waiting reasons', () => {
  it('queue_paused, group_paused and no_worker (nothing serves the queue)', async () => {
    await conveyor.queues.pause('plain');
    const job = await conveyor.enqueue(plain, {}, { tenantId: 'acme' });
    const first = await why(job.id);
    expect(first).toMatchObject({ waiting: true, state: 'ready' });
    expect(first.reasons.map((r) => r.code)).toEqual(['queue_paused', 'no_worker']);
    expect(first.reasons[0]!.detail).toEqual({ queue: 'plain' });
    expect(first.reasons[1]!.detail).toMatchObject({ queue: 'plain', name: 'plain', lastSeen: null });
    await conveyor.queues.resume('plain');
    await conveyor.queues.pauseGroup('plain', 'acme');
    const paused = await why(job.id);
    expect(paused.reasons.map((r) => r.code)).toEqual(['group_paused', 'no_worker']);
    expect(paused.reasons[0]!.detail).toEqual({ queue: 'plain', group: 'acme' });
    await conveyor.queues.resumeGroup('plain', 'acme');
    expect(await codes(job.id)).toEqual(['no_worker']);
    await conveyor.cancel(job.id);
    expect(await why(job.id)).toMatchObject({ waiting: false, reasons: [] });
  });

  it('scheduled_later and, after a failed attempt, retry_backoff', async () => {
    const later = await conveyor.enqueue(plain, {}, { delay: '2h' });
    const answer = await why(later.id);
    expect(answer.reasons[0]!.code).toBe('scheduled_later');
    expect(Date.parse(String(answer.reasons[0]!.detail.runAt))).toBeGreaterThan(Date.now() + 3_600_000);
    const failing = await conveyor.enqueue(flaky, {});
    const failed = new Promise<void>((resolve) => conveyor.on('job:failed', () => resolve()));
    const worker = conveyor.worker({ queues: ['flaky'], pollInterval: 50 });
    await worker.start();
    await failed;
    await worker.stop();
    const backoff = await why(failing.id);
    expect(backoff.state).toBe('scheduled');
    expect(backoff.reasons.map((r) => r.code)).toEqual(['retry_backoff', 'no_worker']);
    expect(backoff.reasons[0]!.detail.attempt).toBe(1);
    // The stopped worker removed its row: no heartbeat left to show.
    expect(backoff.reasons[1]!.detail.lastSeen).toBeNull();
  });

  it('group_at_limit and queue_at_limit while a worker holds a job; behind_jobs in claim order', async () => {
    const first = await conveyor.enqueue(heldGroup, {}, { tenantId: 'acme' });
    const second = await conveyor.enqueue(heldGroup, {}, { tenantId: 'acme' });
    const third = await conveyor.enqueue(heldGroup, {}, { tenantId: 'acme' });
    const q1 = await conveyor.enqueue(heldGlobal, {}, { tenantId: 'acme' });
    const q2 = await conveyor.enqueue(heldGlobal, {}, { tenantId: 'globex' });
    const worker = conveyor.worker({
      queues: ['limited-group', 'limited-queue'],
      concurrency: 4,
      pollInterval: 50,
    });
    await worker.start();
    try {
      await until(() => started.includes(first.id) && started.includes(q1.id));
      const group = await why(second.id);
      expect(group.reasons.map((r) => r.code)).toEqual(['group_at_limit']);
      expect(group.reasons[0]!.detail).toEqual({ group: 'acme', active: 1, limit: 1 });
      const behind = await why(third.id);
      expect(behind.reasons.map((r) => r.code)).toEqual(['group_at_limit', 'behind_jobs']);
      expect(behind.reasons[1]!.detail).toEqual({ ahead: 1 });
      const queue = await why(q2.id);
      expect(queue.reasons.map((r) => r.code)).toEqual(['queue_at_limit']);
      expect(queue.reasons[0]!.detail).toEqual({ queue: 'limited-queue', active: 1, limit: 1 });
      expect(await why(first.id)).toMatchObject({ waiting: false, state: 'active', reasons: [] });
    } finally {
      release();
      await worker.stop();
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    }
  });

  it('rate_window_full after the window’s only start, with the time it frees', async () => {
    const one = await conveyor.enqueue(rated, {});
    const two = await conveyor.enqueue(rated, {});
    const done = new Promise<void>((resolve) =>
      conveyor.on('job:completed', (e) => {
        if (e.job.id === one.id) resolve();
      }),
    );
    const worker = conveyor.worker({ queues: ['rated'], pollInterval: 50 });
    await worker.start();
    try {
      await done;
      const answer = await why(two.id);
      expect(answer.reasons.map((r) => r.code)).toEqual(['rate_window_full']);
      const detail = answer.reasons[0]!.detail;
      expect(detail).toMatchObject({ scope: 'queue', limit: 1, windowMs: 3_600_000 });
      const retryAt = Date.parse(String(detail.retryAt));
      expect(retryAt).toBeGreaterThan(Date.now() + 3_500_000);
      expect(retryAt).toBeLessThan(Date.now() + 3_700_000);
    } finally {
      await worker.stop();
    }
  });

  it('no_worker when the live workers of the queue cannot run the job’s name', async () => {
    // A second process that knows only `other`, serving the queue both jobs share.
    const narrow = db.open({ jobs: [other] });
    await narrow.queues.pause('plain');
    const worker = narrow.worker({ queues: ['plain'], pollInterval: 50 });
    await worker.start();
    try {
      const theirs = await conveyor.enqueue(other, {});
      const mine = await conveyor.enqueue(plain, {});
      const reasons = (await why(mine.id)).reasons;
      expect(reasons.map((r) => r.code)).toEqual(['queue_paused', 'no_worker', 'behind_jobs']);
      expect(reasons[1]!.detail).toMatchObject({ queue: 'plain', name: 'plain' });
      expect(reasons[1]!.detail.lastSeen).not.toBeNull();
      expect(reasons[2]!.detail).toEqual({ ahead: 1 });
      expect(await codes(theirs.id)).toEqual(['queue_paused']);
    } finally {
      await worker.stop();
      await narrow.queues.resume('plain');
    }
  });
});
