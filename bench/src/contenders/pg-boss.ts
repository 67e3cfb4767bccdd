import { PgBoss } from 'pg-boss';
import type { BulkItem, Contender, EnqueueOptions, JobPayload, Target, WorkerOptions } from './types.ts';

const QUEUE = 'noop';

/**
 * pg-boss, with the settings its docs give for throughput and latency: LISTEN/NOTIFY wake-up
 * (useListenNotify + queue notify), batch fetching (batchSize) with burstWhenBatchFull, and two
 * fetch loops (localConcurrency) so one fetches while the other's batch runs. A batch's jobs run
 * concurrently inside the handler, so jobs in flight <= concurrency.
 */
export function pgBoss(target: Target): Contender {
  const boss = new PgBoss({
    connectionString: target.pgUrl,
    max: 20,
    useListenNotify: true,
    schedule: false,
    ...(target.recoveryLeaseSeconds ? { superviseIntervalSeconds: 1, monitorIntervalSeconds: 1 } : {}),
  });
  boss.on('error', () => {});
  let workId: string | undefined;
  const startAfter = (o?: EnqueueOptions) => (o?.delayMs ? new Date(Date.now() + o.delayMs) : undefined);

  return {
    async setup() {
      await boss.start();
      if (!(await boss.getQueue(QUEUE))) {
        await boss
          .createQueue(QUEUE, {
            notify: true,
            // 10 s is the smallest heartbeat pg-boss accepts
            ...(target.recoveryLeaseSeconds
              ? { heartbeatSeconds: Math.max(10, target.recoveryLeaseSeconds) }
              : {}),
          })
          .catch(async (error: unknown) => {
            if (!(await boss.getQueue(QUEUE))) throw error; // a second process raced us
          });
      }
    },
    async enqueue(payload: JobPayload, options?: EnqueueOptions) {
      const at = startAfter(options);
      await boss.send(QUEUE, payload, at ? { startAfter: at } : {});
    },
    async enqueueBulk(items: BulkItem[]) {
      await boss.insert(
        QUEUE,
        items.map((i) => {
          const at = startAfter(i);
          return at ? { data: i.payload, startAfter: at } : { data: i.payload };
        }),
      );
    },
    async startWorker({ concurrency, onJob }: WorkerOptions) {
      const loops = concurrency >= 2 ? 2 : 1;
      workId = await boss.work<JobPayload>(
        QUEUE,
        {
          batchSize: Math.max(1, Math.floor(concurrency / loops)),
          localConcurrency: loops,
          burstWhenBatchFull: true,
          pollingIntervalSeconds: 0.5,
          notifyPollingIntervalSeconds: 2,
        },
        async (jobs) => {
          await Promise.all(jobs.map((job) => onJob(job.data)));
        },
      );
    },
    async stopWorker() {
      if (workId) await boss.offWork(QUEUE, { wait: true });
      workId = undefined;
    },
    async pending() {
      // getQueueStats() serves counts cached by the monitor (up to a minute old even with force), so
      // count pg-boss's own job table: created, retry and active are the unfinished states.
      const { rows } = await boss
        .getDb()
        .executeSql("SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state < 'completed'", [
          QUEUE,
        ]);
      return (rows[0] as { n: number }).n;
    },
    async close() {
      await boss.stop({ graceful: false, close: true, timeout: 2000 });
    },
  };
}
