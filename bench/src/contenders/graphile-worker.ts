import { Logger, makeWorkerUtils, type Runner, run, type WorkerUtils } from 'graphile-worker';
import type { BulkItem, Contender, EnqueueOptions, JobPayload, Target, WorkerOptions } from './types.ts';

const TASK = 'noop';
const quietLogger = new Logger(() => () => {});

/**
 * graphile-worker. With `localQueue` the settings follow its performance guide (docs/performance.md):
 * localQueue.size = concurrency + 1 ... 500, completeJobBatchDelay/failJobBatchDelay = 0.
 */
export function graphileWorker(target: Target, localQueue: boolean): Contender {
  let utils: WorkerUtils | undefined;
  let runner: Runner | undefined;
  const runAt = (o?: EnqueueOptions) => (o?.delayMs ? new Date(Date.now() + o.delayMs) : undefined);

  return {
    async setup() {
      utils = await makeWorkerUtils({ connectionString: target.pgUrl, maxPoolSize: 20, logger: quietLogger });
      await utils.migrate();
    },
    async enqueue(payload: JobPayload, options?: EnqueueOptions) {
      const at = runAt(options);
      await utils!.addJob(TASK, payload, at ? { runAt: at } : {});
    },
    async enqueueBulk(items: BulkItem[]) {
      await utils!.addJobs(
        items.map((i) => {
          const at = runAt(i);
          return at
            ? { identifier: TASK, payload: i.payload, runAt: at }
            : { identifier: TASK, payload: i.payload };
        }),
      );
    },
    async startWorker({ concurrency, onJob }: WorkerOptions) {
      const worker = localQueue
        ? {
            localQueue: { size: Math.max(concurrency + 1, Math.min(500, concurrency * 10)) },
            completeJobBatchDelay: 0,
            failJobBatchDelay: 0,
          }
        : {};
      runner = await run({
        connectionString: target.pgUrl,
        concurrency,
        maxPoolSize: Math.min(concurrency + 1, 40),
        noHandleSignals: true,
        pollInterval: 2000,
        logger: quietLogger,
        taskList: {
          [TASK]: async (payload) => {
            await onJob(payload as JobPayload);
          },
        },
        preset: { worker },
      });
    },
    async stopWorker() {
      await runner?.stop();
      runner = undefined;
    },
    async pending() {
      // graphile-worker deletes a job when it completes: every row of its jobs view is unfinished
      // (a permanently failed job stays too, but the no-op handlers never fail).
      const { rows } = await utils!.withPgClient((client) =>
        client.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker.jobs'),
      );
      return rows[0]!.n;
    },
    async close() {
      await runner?.stop();
      await utils?.release();
    },
  };
}

export const graphileWorkerPlain = (target: Target) => graphileWorker(target, false);
export const graphileWorkerLocalQueue = (target: Target) => graphileWorker(target, true);
