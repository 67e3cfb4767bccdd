/**
 * The public entry point: `createConveyor({ jobs })` gives enqueue, workers, job inspection,
 * dead-letter replay, stats and lifecycle events over one store. The store opens lazily on first
 * use and, unless `migrate: 'verify'`, brings its schema up to date under the migration lock.
 */
import type { Logger } from 'pino';
import { type EnqueueOptions, type NewJob, prepareJob } from '../core/enqueue-options.ts';
import { UnknownJobError, ValidationError } from '../core/errors.ts';
import type { JobRecord, JobState } from '../core/job.ts';
import type { AnyJobDefinition, EnqueueFromHandler, JobDefinition } from '../core/job-definition.ts';
import {
  LifecycleEmitter,
  type LifecycleEventName,
  type LifecycleEvents,
} from '../events/lifecycle-events.ts';
import { createLogger } from '../log/logger.ts';
import { type PruneReport, pruneOnce, type RetentionPolicy } from '../maintenance/pruner.ts';
import { createObservability } from '../observe/observability.ts';
import { createScheduler } from '../scheduler/create-scheduler.ts';
import type { JobFilter, SqlExecutor, Store } from '../store/store.ts';
import { type InProcessRun, runInProcess } from '../worker/run-in-process.ts';
import { Worker } from '../worker/worker.ts';
import { BackgroundServices } from './background-services.ts';
import { type ConveyorOptions, resolveOptions } from './conveyor-options.ts';
import { createDeadLetters } from './dead-letters.ts';
import { InsertBatcher } from './insert-batcher.ts';
import { createQueueAdmin } from './queue-admin.ts';
import { createStoreHandle } from './store-handle.ts';
import { resolveWorkerSettings, type WorkerOptions } from './worker-options.ts';

export interface EnqueuedJob {
  id: string;
  /** False when `uniqueKey` matched a job that already exists (its id is returned). */
  created: boolean;
}

export interface TransactionOption {
  /** Enqueue inside the caller's transaction: anything with `query(text, values)` (pg client, Kysely, Prisma…). */
  tx?: SqlExecutor;
}

export interface QueueStats {
  queue: string;
  counts: Record<JobState, number>;
}

export type RunResult = InProcessRun;
export type { ReplayTarget } from './dead-letters.ts';
export type { WorkerOptions } from './worker-options.ts';

export type Conveyor = ReturnType<typeof createConveyor>;

function countsOf(): Record<JobState, number> {
  return { scheduled: 0, ready: 0, active: 0, completed: 0, dead: 0, cancelled: 0 };
}

/**
 * Creates a Conveyor instance.
 *
 * @example
 * const conveyor = createConveyor({ jobs: [sendDigest] }); // no DATABASE_URL → embedded PGlite
 * await conveyor.enqueue(sendDigest, { userId }, { tenantId, delay: '5m' });
 * await conveyor.worker({ queues: ['emails'], concurrency: 10 }).start();
 */
export function createConveyor(options: ConveyorOptions) {
  const settings = resolveOptions(options);
  const log: Logger = options.logger ?? createLogger();
  const { now } = settings;
  const definitions = new Map<string, AnyJobDefinition>();
  for (const [index, definition] of options.jobs.entries()) {
    if (!definition || typeof definition.handler !== 'function') {
      throw new ValidationError(`jobs[${index}]`, 'is not a job definition; create it with defineJob(...)');
    }
    if (definitions.has(definition.name)) {
      throw new ValidationError(`jobs[${index}].name`, `"${definition.name}" is registered twice`);
    }
    definitions.set(definition.name, definition);
  }
  const knownQueues = [...new Set([...definitions.values()].map((d) => d.queue))];
  const events = new LifecycleEmitter(log);
  const workers = new Set<Worker>();
  // A retry of this process's job is due at a known time: promote it then, not at the next poll.
  events.on('job:retrying', ({ retryAt }) => services.scheduledAt(retryAt));

  const handle = createStoreHandle(settings, log);
  const store = (): Promise<Store> => handle.ready();
  const retentionByQueue = (): Map<string, RetentionPolicy> =>
    new Map(knownQueues.map((q) => [q, settings.retention(q)]));
  const history = options.retention?.history;
  const observability = createObservability({
    store,
    events,
    log,
    now,
    options: {
      ...options,
      historyAge: history === false ? false : history?.age,
      pruneIntervalMs: settings.pruneIntervalMs,
    },
  });
  const schedules = createScheduler(options, { store, definitions, now, log, settings });
  const services = new BackgroundServices(
    settings,
    workers,
    retentionByQueue,
    events,
    log,
    schedules.scheduler,
    observability.services,
  );

  const inserter = new InsertBatcher(store, now, {
    onInserted: (jobs: NewJob[]) => {
      const at = now().getTime();
      for (const job of jobs) {
        if (job.runAt.getTime() <= at) for (const worker of workers) worker.wake(job.queue);
        else services.scheduledAt(job.runAt);
      }
    },
  });

  const definitionByName = (name: string): AnyJobDefinition => {
    const definition = definitions.get(name);
    if (!definition) throw new UnknownJobError(name, [...definitions.keys()]);
    return definition;
  };

  const registered = (job: AnyJobDefinition): AnyJobDefinition => {
    if (definitions.get(job?.name) !== job) {
      throw new UnknownJobError(String(job?.name), [...definitions.keys()]);
    }
    return job;
  };

  const enqueuePrepared = (job: NewJob, tx: SqlExecutor | undefined): Promise<EnqueuedJob> =>
    observability.tracing.enqueue([job], () => insertPrepared(job, tx));
  const insertPrepared = async (job: NewJob, tx: SqlExecutor | undefined): Promise<EnqueuedJob> => {
    if (!tx) return inserter.insert(job);
    const [result] = await (await store()).jobInsertMany({ jobs: [job], now: now(), executor: tx });
    return result!;
  };

  /**
   * Enqueues one job. Validates payload and options first (a rejected enqueue writes nothing);
   * resolves after the job is committed. Concurrent calls share one multi-row insert.
   */
  async function enqueue<I, P, R>(
    job: JobDefinition<I, P, R>,
    payload: I,
    enqueueOptions: EnqueueOptions & TransactionOption = {},
  ): Promise<EnqueuedJob> {
    const { tx, ...rest } = enqueueOptions;
    const definition = registered(job as unknown as AnyJobDefinition);
    const prepared = prepareJob(definition, payload, rest, {
      now: now(),
      maxPayloadBytes: settings.maxPayloadBytes,
    });
    return enqueuePrepared(prepared, tx);
  }

  /** `context.enqueue` of a dry run: validates and logs, writes nothing. */
  const enqueueDryRun: EnqueueFromHandler = async (job, payload, enqueueOptions) => {
    const definition = registered(job as unknown as AnyJobDefinition);
    const prepared = prepareJob(definition, payload, enqueueOptions, {
      now: now(),
      maxPayloadBytes: settings.maxPayloadBytes,
    });
    log.info(
      { job: prepared.name, queue: prepared.queue, tenantId: prepared.tenantId },
      'dry run: would enqueue',
    );
    return { id: null, created: false };
  };

  return {
    /** The registered job definitions, by name. */
    definitions: definitions as ReadonlyMap<string, AnyJobDefinition>,

    enqueue,

    /** Enqueues a job by its registered name (CLI, HTTP). */
    async enqueueByName(
      name: string,
      payload: unknown,
      enqueueOptions: EnqueueOptions & TransactionOption = {},
    ): Promise<EnqueuedJob> {
      const { tx, ...rest } = enqueueOptions;
      const prepared = prepareJob(definitionByName(name), payload, rest, {
        now: now(),
        maxPayloadBytes: settings.maxPayloadBytes,
      });
      return enqueuePrepared(prepared, tx);
    },

    /**
     * Enqueues many jobs of one kind: all are validated before anything is written, then inserted
     * in statements of 1,000 inside one transaction (or the caller's `tx`).
     */
    async enqueueMany<I, P, R>(
      job: JobDefinition<I, P, R>,
      items: { payload: I; options?: EnqueueOptions }[],
      bulkOptions: TransactionOption = {},
    ): Promise<EnqueuedJob[]> {
      const definition = registered(job as unknown as AnyJobDefinition);
      if (!Array.isArray(items))
        throw new ValidationError('items', 'must be an array of { payload, options }');
      const at = now();
      const prepared = items.map((item, index) =>
        prepareJob(definition, item?.payload, item?.options, {
          now: at,
          maxPayloadBytes: settings.maxPayloadBytes,
          path: `items[${index}]`,
        }),
      );
      const seenKeys = new Set<string>();
      for (const [index, p] of prepared.entries()) {
        if (p.uniqueKey === null) continue;
        if (seenKeys.has(p.uniqueKey))
          throw new ValidationError(
            `items[${index}].options.uniqueKey`,
            `"${p.uniqueKey}" appears twice in one bulk enqueue`,
          );
        seenKeys.add(p.uniqueKey);
      }
      const results = await observability.tracing.enqueue(prepared, async () =>
        (await store()).jobInsertMany({
          jobs: prepared,
          now: at,
          ...(bulkOptions.tx ? { executor: bulkOptions.tx } : {}),
        }),
      );
      if (!bulkOptions.tx) for (const worker of workers) worker.wake(definition.queue);
      return results;
    },

    /** Creates a worker; call `start()` on it. */
    worker(workerOptions: WorkerOptions = {}): { start(): Promise<Worker> } & Pick<Worker, 'stop'> {
      const workerSettings = resolveWorkerSettings(workerOptions, knownQueues);
      let worker: Worker | null = null;
      const handle = {
        start: async (): Promise<Worker> => {
          if (worker) return worker;
          const s = await store();
          worker = new Worker(workerSettings, {
            store: s,
            definitions,
            events,
            log,
            now,
            leaseMs: settings.leaseMs,
            enqueue,
            recordsCompleted: (queue) => {
              const { count, ageMs } = settings.retention(queue).completed;
              return !(count === 0 && ageMs === null);
            },
            progress: async (jobId, value) => {
              await s.jobProgressSet({ id: jobId, progress: value });
            },
            onStopped: (stopped) => {
              workers.delete(stopped);
              if (workers.size === 0) void services.stop();
            },
          });
          workers.add(worker);
          await services.start(s);
          await worker.start();
          return worker;
        },
        stop: (stopOptions?: { timeoutMs?: number }): Promise<void> =>
          worker?.stop(stopOptions) ?? Promise.resolve(),
      };
      return handle;
    },

    /**
     * Runs one job in this process, without the queue, and returns its result (Leora's runner).
     * With `dryRun`, the handler sees `dryRun: true` and should write nothing.
     */
    async run(
      name: string,
      payload: unknown,
      runOptions: { tenantId?: string; dryRun?: boolean } = {},
    ): Promise<RunResult> {
      const definition = definitionByName(name);
      const prepared = prepareJob(
        definition,
        payload,
        runOptions.tenantId ? { tenantId: runOptions.tenantId } : {},
        {
          now: now(),
          maxPayloadBytes: settings.maxPayloadBytes,
        },
      );
      const dryRun = runOptions.dryRun ?? false;
      return runInProcess(definition, prepared, {
        dryRun,
        log,
        now,
        enqueue: dryRun ? enqueueDryRun : enqueue,
      });
    },

    /** A job by id: live, dead, cancelled, or completed (while its run is retained). */
    async getJob(id: string): Promise<JobRecord | null> {
      return (await store()).jobGet({ id: String(id) });
    },

    /** Jobs matching a filter, by id (pages with `afterId`). */
    async listJobs(
      filter: JobFilter = {},
      page: { limit?: number; afterId?: string } = {},
    ): Promise<JobRecord[]> {
      if (filter.states?.includes('completed')) {
        throw new ValidationError(
          'filter.states',
          'completed jobs live in the run history: use getJob(id) or conveyor.analytics, not listJobs',
        );
      }
      return (await store()).jobList({
        filter,
        limit: page.limit ?? 100,
        ...(page.afterId ? { afterId: page.afterId } : {}),
      });
    },

    /** Cancels a queued or running job (a running handler's signal aborts). False if already finished. */
    async cancel(id: string): Promise<boolean> {
      const cancelled = await (await store()).jobCancel({ id: String(id), now: now() });
      if (!cancelled) return false;
      for (const worker of workers) worker.cancelled(String(id));
      events.emit('job:cancelled', { jobId: String(id), previousState: cancelled.previousState });
      return true;
    },

    /** Flow control at runtime: limits, pause/resume of queues and groups, group overrides. */
    queues: createQueueAdmin(store, knownQueues, now),

    /** Cron schedules at runtime: add, update, pause, resume, remove, list, get (docs/scheduling.md). */
    schedules: schedules.api,

    /** Run-history analytics: job, overall and worker stats, failures, error groups, percentiles… */
    analytics: observability.analytics,

    /** Alert rules: evaluate now (also periodic while a worker runs) and list incidents. */
    alerts: observability.alerts,

    /** Prometheus metrics: `scrape()` gives the exposition text; `registry` is prom-client's. */
    metrics: observability.metrics,

    /** The health report (`/health`): database, Redis and queue counts. */
    health: observability.health,

    /** Dead jobs: list them with their errors, replay them. */
    deadLetters: createDeadLetters(store, now, () => {
      for (const worker of workers) worker.wake();
    }),

    /** Job counts per queue and state (completed counts what retention keeps). */
    async stats(): Promise<QueueStats[]> {
      const rows = await (await store()).jobCountByState({});
      const byQueue = new Map<string, QueueStats>();
      for (const queue of knownQueues) byQueue.set(queue, { queue, counts: countsOf() });
      for (const row of rows) {
        const entry = byQueue.get(row.queue) ?? { queue: row.queue, counts: countsOf() };
        entry.counts[row.state] += row.count;
        byQueue.set(row.queue, entry);
      }
      return [...byQueue.values()].sort((a, b) => a.queue.localeCompare(b.queue));
    },

    /** Applies retention now (it also runs every `pruneInterval` while a worker runs). */
    async prune(): Promise<PruneReport> {
      return pruneOnce(await store(), retentionByQueue(), now());
    },

    /** Applies pending migrations; returns the versions applied. */
    migrate(): Promise<number[]> {
      return handle.migrate();
    },

    /** Checks that the database answers (throws DatabaseUnavailableError); needs no migration. */
    async ping(): Promise<void> {
      await (await handle.connected()).ping();
    },

    on<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): () => void {
      return events.on(event, listener);
    },

    /** The next event of a kind that matches (tests, scripts). */
    once<E extends LifecycleEventName>(
      event: E,
      match?: (payload: LifecycleEvents[E]) => boolean,
    ): Promise<LifecycleEvents[E]> {
      return events.once(event, match);
    },

    /**
     * Stops every worker (gracefully), waits for pending enqueues, and closes the store. Idempotent.
     * Bounded: past the longest worker `shutdownTimeout` plus `closeTimeout`, the database
     * connections are closed under whatever still waits on them, so the rest fails fast and ends.
     */
    async close(): Promise<void> {
      const graceMs =
        Math.max(0, ...[...workers].map((w) => w.settings.shutdownTimeoutMs)) + settings.closeTimeoutMs;
      const deadline = setTimeout(() => {
        log.warn({ graceMs }, 'close is past its deadline; closing the database connections');
        void handle.close();
      }, graceMs);
      try {
        await Promise.all([...workers].map((worker) => worker.stop()));
        await services.stop();
        await observability.close();
        await inserter.settled();
        await handle.close();
      } finally {
        clearTimeout(deadline);
      }
    },

    logger: log,
  };
}
