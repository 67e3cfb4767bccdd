import { createPostgresBackend, Queue, Worker } from 'bullmq';
import type { BulkItem, Contender, EnqueueOptions, JobPayload, Target, WorkerOptions } from './types.ts';

const QUEUE = 'noop';
const TASK_NAME = 'noop';

/**
 * BullMQ on Redis (its default backend) or on PostgreSQL (its official `createPostgresBackend`,
 * shipped in the bullmq package since v6). Settings from its docs: worker `concurrency`,
 * removeOnComplete / removeOnFail so finished jobs do not pile up ("going to production" guide and
 * PostgreSQL tuning tips), a pg pool sized for the concurrency.
 */
export function bullmq(target: Target, backend: 'redis' | 'postgres'): Contender {
  const pgConnection = (poolMax: number) => ({ connectionString: target.pgUrl, max: poolMax, migrate: true });
  const redisConnection = { ...target.redis, maxRetriesPerRequest: null };
  const makeQueue = () =>
    backend === 'postgres'
      ? new Queue(QUEUE, { connection: pgConnection(16) }, createPostgresBackend)
      : new Queue(QUEUE, { connection: redisConnection });
  let queue: ReturnType<typeof makeQueue> | undefined;
  let worker: { close(force?: boolean): Promise<void>; on(e: 'error', f: () => void): unknown } | undefined;
  const jobOpts = (o?: EnqueueOptions) => (o?.delayMs ? { delay: o.delayMs } : {});

  return {
    async setup() {
      queue = makeQueue();
      queue.on('error', () => {});
      await queue.waitUntilReady();
    },
    async enqueue(payload: JobPayload, options?: EnqueueOptions) {
      await queue!.add(TASK_NAME, payload, jobOpts(options));
    },
    async enqueueBulk(items: BulkItem[]) {
      await queue!.addBulk(items.map((i) => ({ name: TASK_NAME, data: i.payload, opts: jobOpts(i) })));
    },
    async startWorker({ concurrency, onJob }: WorkerOptions) {
      const processor = async (job: { data: JobPayload }) => {
        await onJob(job.data);
      };
      const opts = {
        concurrency,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 1000 },
        ...(target.recoveryLeaseSeconds
          ? {
              lockDuration: target.recoveryLeaseSeconds * 1000,
              stalledInterval: target.recoveryLeaseSeconds * 400,
            }
          : {}),
      };
      const w =
        backend === 'postgres'
          ? new Worker(
              QUEUE,
              processor,
              { ...opts, connection: pgConnection(Math.min(concurrency + 2, 40)) },
              createPostgresBackend,
            )
          : new Worker(QUEUE, processor, { ...opts, connection: redisConnection });
      w.on('error', () => {});
      await w.waitUntilReady();
      worker = w;
    },
    async stopWorker() {
      await worker?.close();
      worker = undefined;
    },
    async pending() {
      const counts = await queue!.getJobCounts(
        'waiting',
        'delayed',
        'active',
        'prioritized',
        'waiting-children',
      );
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    async close() {
      await worker?.close(true);
      await queue?.close();
    },
  };
}

export const bullmqRedis = (target: Target) => bullmq(target, 'redis');
export const bullmqPostgres = (target: Target) => bullmq(target, 'postgres');
