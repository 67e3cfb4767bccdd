/**
 * A cancel through the REST API (single and bulk) is conveyor.cancel(): the same statement
 * (job-cancel.sql), the same `job:cancelled` event with the same fields, and a running job's
 * handler in this process is aborted at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHandler, createApiHandler } from '../../src/api/index.ts';
import { type Conveyor, defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';

const db = useConveyorDatabase();
const aborted: string[] = [];
let startedJob: (id: string) => void = () => {};
const slow = defineJob({
  name: 'slow',
  queue: 'slow',
  defaults: { attempts: 1 },
  handler: async ({ job, signal }: { job: { id: string }; signal: AbortSignal }) => {
    startedJob(job.id);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    aborted.push(job.id);
  },
});

let conveyor: Conveyor;
let handler: ApiHandler;
const cancelled: {
  jobId: string;
  previousState: string;
  job: { id: string; name: string; queue: string; tenantId: string | null };
}[] = [];

beforeAll(async () => {
  conveyor = db.open({ jobs: [slow] });
  conveyor.on('job:cancelled', (event) => cancelled.push(event));
  handler = createApiHandler({ conveyor, auth: 'disabled' });
});
afterAll(async () => {
  await handler?.settled();
});

const post = async (path: string, body?: unknown) => {
  const response = await handler.fetch(
    new Request(`http://localhost/api/v1${path}`, {
      method: 'POST',
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('cancel through the API', () => {
  it('emits job:cancelled exactly as conveyor.cancel does', async () => {
    const byClient = await conveyor.enqueue(slow, {}, { tenantId: 'acme', delay: '1h' });
    const byApi = await conveyor.enqueue(slow, {}, { tenantId: 'acme', delay: '1h' });
    expect(await conveyor.cancel(byClient.id)).toBe(true);
    expect((await post(`/jobs/${byApi.id}/cancel`)).body).toEqual({ id: byApi.id, state: 'cancelled' });
    expect(cancelled.map((e) => e.jobId)).toEqual([byClient.id, byApi.id]);
    const [fromClient, fromApi] = cancelled;
    const shape = (e: (typeof cancelled)[number]) => ({
      ...e,
      jobId: 'x',
      job: { ...e.job, id: 'x', createdAt: 0 },
    });
    expect(shape(fromApi!)).toEqual(shape(fromClient!));
    expect(fromApi).toMatchObject({
      previousState: 'scheduled',
      job: { name: 'slow', queue: 'slow', tenantId: 'acme' },
    });
    // A second cancel changes nothing and emits nothing.
    expect((await post(`/jobs/${byApi.id}/cancel`)).status).toBe(409);
    expect(cancelled).toHaveLength(2);
  });

  it('a bulk cancel emits one event per job, and aborts a running handler in this process', async () => {
    cancelled.length = 0;
    const started = new Promise<string>((resolve) => {
      startedJob = resolve;
    });
    const running = await conveyor.enqueue(slow, {}, { tenantId: 'globex' });
    const worker = conveyor.worker({ queues: ['slow'], pollInterval: 50 });
    await worker.start();
    try {
      expect(await started).toBe(running.id);
      const waiting = await conveyor.enqueue(slow, {}, { tenantId: 'globex', delay: '1h' });
      const bulk = await post('/jobs/bulk', { action: 'cancel', filter: { tenant: 'globex' } });
      expect(bulk.status).toBe(202);
      await handler.settled();
      expect(cancelled.map((e) => [e.jobId, e.previousState]).sort()).toEqual(
        [
          [running.id, 'active'],
          [waiting.id, 'scheduled'],
        ].sort(),
      );
      await worker.stop();
      expect(aborted).toEqual([running.id]);
      expect((await conveyor.getJob(running.id))?.state).toBe('cancelled');
    } finally {
      await worker.stop();
    }
  });
});
