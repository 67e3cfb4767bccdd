import type { ContenderFactory } from './types.ts';

export interface ContenderInfo {
  key: string;
  backend: 'postgres' | 'redis' | 'pglite';
  /** The configuration used, written into the results. */
  settings: string;
  /** Can several processes share one store? (PGlite is one process.) */
  multiProcess: boolean;
  /** What the fairness workload exercises. */
  fairness: string;
  /** Crash recovery mechanism and the setting used. */
  recovery: string;
  packageName: string;
  load(): Promise<ContenderFactory>;
}

export const CONTENDERS: ContenderInfo[] = [
  {
    key: 'graphile-worker',
    backend: 'postgres',
    settings:
      'run({ concurrency, maxPoolSize: min(concurrency+1, 40), pollInterval: 2000 }); LISTEN/NOTIFY wake-up; no batching (defaults)',
    multiProcess: true,
    fairness: 'FIFO (no tenant fairness; named job queues serialize instead)',
    recovery: 'locked jobs of a dead worker are released only after 4 h (open-source edition); no setting',
    packageName: 'graphile-worker',
    load: async () => (await import('./graphile-worker.ts')).graphileWorkerPlain,
  },
  {
    key: 'graphile-worker-localqueue',
    backend: 'postgres',
    settings:
      'as graphile-worker plus preset.worker.localQueue.size = clamp(concurrency*10, concurrency+1, 500), completeJobBatchDelay: 0, failJobBatchDelay: 0 (docs/performance.md)',
    multiProcess: true,
    fairness: 'FIFO (no tenant fairness)',
    recovery: 'locked jobs of a dead worker are released only after 4 h (open-source edition); no setting',
    packageName: 'graphile-worker',
    load: async () => (await import('./graphile-worker.ts')).graphileWorkerLocalQueue,
  },
  {
    key: 'pg-boss',
    backend: 'postgres',
    settings:
      'new PgBoss({ max: 20, useListenNotify: true }); createQueue({ notify: true }); work({ batchSize: concurrency/2, localConcurrency: 2, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 }); batch jobs run concurrently in the handler; insert() for bulk',
    multiProcess: true,
    fairness: 'FIFO (groupConcurrency caps groups but does not interleave them)',
    recovery:
      'queue heartbeatSeconds: max(10, crash lease) (10 is the minimum allowed) with superviseIntervalSeconds: 1 and monitorIntervalSeconds: 1',
    packageName: 'pg-boss',
    load: async () => (await import('./pg-boss.ts')).pgBoss,
  },
  {
    key: 'bullmq-redis',
    backend: 'redis',
    settings:
      'Worker({ concurrency, removeOnComplete: { count: 0 }, removeOnFail: { count: 1000 } }); addBulk for bulk; Redis 7, no persistence (as installed)',
    multiProcess: true,
    fairness: 'FIFO (per-group fairness is BullMQ Pro only)',
    recovery: 'stalled-job check with lockDuration: crash lease, stalledInterval: 0.4 × crash lease',
    packageName: 'bullmq',
    load: async () => (await import('./bullmq.ts')).bullmqRedis,
  },
  {
    key: 'bullmq-postgres',
    backend: 'postgres',
    settings:
      'official createPostgresBackend (bullmq >= 6); Worker({ concurrency, removeOnComplete: { count: 0 } }), pool max min(concurrency+2, 40), migrate: true; addBulk for bulk',
    multiProcess: true,
    fairness: 'FIFO (per-group fairness is BullMQ Pro only)',
    recovery: 'stalled-job check with lockDuration: crash lease, stalledInterval: 0.4 × crash lease',
    packageName: 'bullmq',
    load: async () => (await import('./bullmq.ts')).bullmqPostgres,
  },
  {
    key: 'conveyor',
    backend: 'postgres',
    settings: `createConveyor({ databaseUrl, schema: 'conveyor' }); worker({ concurrency }); enqueue (coalesced) / enqueueMany${
      process.env.BENCH_CONVEYOR_HISTORY === 'off'
        ? '; BENCH_CONVEYOR_HISTORY=off: retention: { completed: false } (no run row for a completed job)'
        : ''
    }`,
    multiProcess: true,
    fairness: 'tenant-fair scheduling (tenantId)',
    recovery: 'lease: crash lease (default 10 s), rescueInterval: lease / 2 (its default)',
    packageName: 'conveyor',
    load: async () => (await import('./conveyor.ts')).conveyorPostgres,
  },
  {
    key: 'conveyor-pglite',
    backend: 'pglite',
    settings: 'createConveyor({ dataDir }) (embedded PGlite, one process); worker({ concurrency })',
    multiProcess: false,
    fairness: 'tenant-fair scheduling (tenantId)',
    recovery: 'not measured (one process)',
    packageName: 'conveyor',
    load: async () => (await import('./conveyor.ts')).conveyorPglite,
  },
];

export function contenderInfo(key: string): ContenderInfo {
  const info = CONTENDERS.find((c) => c.key === key);
  if (!info) throw new Error(`unknown contender ${key}`);
  return info;
}
