import type { BulkItem, Contender, EnqueueOptions, JobPayload, Target, WorkerOptions } from './types.ts';

/** The package root /work/main builds Conveyor to dist/; `npm run build` there first. */
const DIST = new URL('../../../dist/index.js', import.meta.url);

/**
 * BENCH_CONVEYOR_HISTORY=off: completed jobs keep no run row (`retention: { completed: false }`, the
 * setting a queue without completed history uses), so a drain beside the default one shows what
 * the history row costs per job (issue 17). The setting is written into the results (index.ts).
 */
const CONVEYOR_HISTORY_OFF = process.env.BENCH_CONVEYOR_HISTORY === 'off';

interface ConveyorJobEvent {
  job: { id: string };
}
interface ConveyorWorker {
  /** Resolves to the running worker; `claimStats` (claims, jobs, empty ones) since 2026-12. */
  start(): Promise<{ claimStats?: Record<string, number> }>;
  stop(): Promise<void>;
}
interface ConveyorEnqueueOptions {
  tenantId?: string;
  /** milliseconds, or a string such as '30s' */
  delay?: number | string;
}
interface ConveyorInstance {
  migrate(): Promise<void>;
  enqueue(job: unknown, payload: JobPayload, options?: ConveyorEnqueueOptions): Promise<{ id: string }>;
  enqueueMany(
    job: unknown,
    items: { payload: JobPayload; options?: ConveyorEnqueueOptions }[],
  ): Promise<unknown>;
  worker(options: { queues: string[]; concurrency: number; handleSignals?: boolean }): ConveyorWorker;
  on(event: 'job:completed', listener: (e: ConveyorJobEvent) => void): unknown;
  /** Job counts per queue and state. */
  stats(): Promise<{ queue: string; counts: Record<string, number> }[]>;
  close(): Promise<void>;
}
interface ConveyorModule {
  createLogger(options: { level?: string }): unknown;
  createConveyor(options: Record<string, unknown>): ConveyorInstance;
  defineJob(definition: {
    name: string;
    queue: string;
    handler: (ctx: { payload: JobPayload; job: { id: string } }) => Promise<void>;
  }): unknown;
}

export async function loadConveyor(): Promise<ConveyorModule> {
  return (await import(DIST.href)) as ConveyorModule;
}

/** Conveyor on PostgreSQL (`databaseUrl`) or embedded PGlite (`dataDir`). */
export function conveyor(target: Target, store: 'postgres' | 'pglite'): Contender {
  let instance: ConveyorInstance | undefined;
  let noop: unknown;
  let worker: ConveyorWorker | undefined;
  let running: { claimStats?: Record<string, number> } | undefined;
  // The handler is bound when the job is defined, so it forwards to whatever startWorker installs.
  let onJob: WorkerOptions['onJob'] = () => undefined;
  const opts = (o?: EnqueueOptions): ConveyorEnqueueOptions | undefined => {
    if (!o?.tenant && !o?.delayMs) return undefined;
    const out: ConveyorEnqueueOptions = {};
    if (o.tenant) out.tenantId = o.tenant;
    if (o.delayMs) out.delay = o.delayMs;
    return out;
  };

  return {
    async setup() {
      const mod = await loadConveyor();
      noop = mod.defineJob({
        name: 'noop',
        queue: 'bench',
        handler: async ({ payload }) => {
          await onJob(payload);
        },
      });
      const common = {
        jobs: [noop],
        ...(CONVEYOR_HISTORY_OFF ? { retention: { completed: false } } : {}),
        logger: mod.createLogger({ level: 'error' }),
        // crash workload: the same lease as BullMQ's lockDuration there (default 10 s)
        ...(target.recoveryLeaseSeconds ? { lease: target.recoveryLeaseSeconds * 1000 } : {}),
        // flow-control workload: a per-tenant concurrency limit, enforced in the claim
        ...(target.groupConcurrency
          ? { queues: { bench: { groupConcurrency: target.groupConcurrency } } }
          : {}),
      };
      instance = mod.createConveyor(
        store === 'postgres'
          ? { ...common, databaseUrl: target.pgUrl, schema: 'conveyor' }
          : { ...common, dataDir: target.dataDir },
      );
      await instance.migrate();
    },
    async enqueue(payload: JobPayload, options?: EnqueueOptions) {
      const o = opts(options);
      await (o ? instance!.enqueue(noop, payload, o) : instance!.enqueue(noop, payload));
    },
    async enqueueBulk(items: BulkItem[]) {
      await instance!.enqueueMany(
        noop,
        items.map((i) => {
          const o = opts(i);
          return o ? { payload: i.payload, options: o } : { payload: i.payload };
        }),
      );
    },
    async startWorker(options: WorkerOptions) {
      onJob = options.onJob;
      worker = instance!.worker({
        queues: ['bench'],
        concurrency: options.concurrency,
        handleSignals: false,
      });
      running = await worker.start();
    },
    async stopWorker() {
      // BENCH_CLAIM_STATS=1: one line per worker with its claim counters (claims, jobs per claim,
      // empty claims), to compare one process with two (issue 17).
      if (process.env.BENCH_CLAIM_STATS && running?.claimStats) {
        const s = running.claimStats;
        const perSecond = (n: number) => Math.round((n / (s.elapsedMs || 1)) * 1000);
        process.stderr.write(
          `claim-stats pid=${process.pid} ${JSON.stringify({ ...s, claimsPerSecond: perSecond(s.claims ?? 0), jobsPerClaim: Math.round(((s.jobs ?? 0) / (s.claims || 1)) * 10) / 10 })}\n`,
        );
      }
      running = undefined;
      await worker?.stop();
      worker = undefined;
    },
    async pending() {
      const bench = (await instance!.stats()).find((q) => q.queue === 'bench');
      const c = bench?.counts ?? {};
      return (c.ready ?? 0) + (c.scheduled ?? 0) + (c.active ?? 0);
    },
    async close() {
      await worker?.stop();
      await instance?.close();
    },
  };
}

export const conveyorPostgres = (target: Target) => conveyor(target, 'postgres');
export const conveyorPglite = (target: Target) => conveyor(target, 'pglite');
