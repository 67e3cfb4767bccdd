/**
 * `createConveyor({ jobs })` builds the Conveyor an application uses (its API is declared in
 * conveyor-api.ts): enqueue, workers, job inspection, dead-letter replay, stats and lifecycle
 * events over one store. The store opens lazily on first use and, unless `migrate: 'verify'`,
 * brings its schema up to date under the migration lock. Background services run in the process's
 * ServiceRuntime while something uses them (process-services.ts).
 */
import type { Logger } from 'pino';
import { parseDuration } from '../core/duration.ts';
import { prepareJob } from '../core/enqueue-options.ts';
import { ValidationError } from '../core/errors.ts';
import type { JobState } from '../core/job.ts';
import { ALL_TENANTS, type Scope } from '../core/scope.ts';
import { LifecycleEmitter } from '../events/lifecycle-events.ts';
import { createLogger } from '../log/logger.ts';
import { pruneOnce, type RetentionPolicy } from '../maintenance/pruner.ts';
import { createObservability } from '../observe/observability.ts';
import { createScheduler } from '../scheduler/create-scheduler.ts';
import type { Store } from '../store/store.ts';
import { runInProcess } from '../worker/run-in-process.ts';
import { Worker } from '../worker/worker.ts';
import type { Conveyor, QueueStats, WorkerHandle } from './conveyor-api.ts';
import { CONVEYOR_INTERNALS, type ConveyorInternals } from './conveyor-internals.ts';
import { type ConveyorOptions, resolveOptions } from './conveyor-options.ts';
import { createDeadLetters } from './dead-letters.ts';
import { createEnqueuer } from './enqueuer.ts';
import { JobRegistry } from './job-registry.ts';
import { LocalWorkers } from './local-workers.ts';
import { createProcessServices } from './process-services.ts';
import { createQueueAdmin } from './queue-admin.ts';
import { createStoreHandle } from './store-handle.ts';
import { resolveWorkerSettings } from './worker-options.ts';

export type {
  Conveyor,
  EnqueuedJob,
  QueueStats,
  RunResult,
  TransactionOption,
  WorkerHandle,
} from './conveyor-api.ts';
export type { ReplayTarget } from './dead-letters.ts';
export type { WorkerOptions } from './worker-options.ts';

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
export function createConveyor(options: ConveyorOptions): Conveyor {
  const settings = resolveOptions(options);
  const log: Logger = options.logger ?? createLogger();
  const { now } = settings;
  const registry = new JobRegistry(options.jobs);
  const { definitions } = registry;
  const events = new LifecycleEmitter(log);
  const workers = new LocalWorkers();

  const handle = createStoreHandle(settings, log);
  const store = (): Promise<Store> => handle.ready();
  /** conveyor.cancel and the API's cancels: one statement, then the local workers and the event. */
  const cancelJobs = async (scope: Scope, ids: string[]): Promise<string[]> => {
    const cancelled = await (await store()).jobCancelMany({ scope, ids, now: now() });
    for (const { job, previousState } of cancelled) {
      workers.cancelled(job.id);
      events.emit('job:cancelled', { job, jobId: job.id, previousState });
    }
    return cancelled.map(({ job }) => job.id);
  };
  const retentionByQueue = (): Map<string, RetentionPolicy> =>
    new Map(registry.queues.map((q) => [q, settings.retention(q)]));
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
  const { runtime, promoter, notifier } = createProcessServices({
    settings,
    store,
    events,
    log,
    workers,
    retention: retentionByQueue,
    historyAgeMs: history === false ? null : parseDuration(history?.age ?? '30d', 'retention.history.age'),
    historyReadWindows: observability.historyReadWindows,
    leaderServices: [...observability.services, schedules.scheduler],
  });

  const enqueuer = createEnqueuer({
    registry,
    store,
    now,
    maxPayloadBytes: settings.maxPayloadBytes,
    tracing: observability.tracing,
    log,
    ready: (queue) => workers.wake(queue),
    scheduledAt: (runAt) => promoter.scheduledAt(runAt),
    handoff: settings.localHandoff ? (job) => workers.reserveHandoff(job.queue, job.name) : () => null,
  });

  const worker = (workerOptions = {}): WorkerHandle => {
    const workerSettings = resolveWorkerSettings(workerOptions, [...registry.queues]);
    let started: Promise<Worker> | null = null;
    let instance: Worker | null = null;
    return {
      start() {
        started ??= (async () => {
          const s = await store();
          /** The process services (promoter, rescuer, LISTEN), started beside the worker below. */
          let using: Promise<() => Promise<void>> | null = null;
          const release = (): void => {
            void using?.then(
              (done) => done(),
              () => {}, // the worker never started, so neither did the services
            );
          };
          const worker = new Worker(workerSettings, {
            store: s,
            definitions,
            events,
            log,
            now,
            leaseMs: settings.leaseMs,
            enqueue: enqueuer.enqueue,
            recordsCompleted: (queue) => {
              const { count, ageMs } = settings.retention(queue).completed;
              return !(count === 0 && ageMs === null);
            },
            // A retry of this process's job is due at a known time: promote it then, not at the next poll.
            retryScheduled: (runAt) => promoter.scheduledAt(runAt),
            progress: async (jobId, value) => {
              await s.jobProgressSet({ id: jobId, progress: value });
            },
            onStopped: (stopped) => {
              workers.delete(stopped);
              release();
            },
          });
          instance = worker;
          workers.add(worker);
          // The worker registers and sends its first claim before the process services start, not
          // after them: their statements and connections (the LISTEN client's own connect, 5–12 ms
          // in bench traces) left the first claim's critical path (cold_start_ms, issue 17). A job
          // whose NOTIFY came before the LISTEN is found by the claim made once they are up.
          using = worker.start().then(() => runtime.use());
          await using;
          worker.wake();
          return worker;
        })();
        return started;
      },
      stop: (stopOptions) => instance?.stop(stopOptions) ?? Promise.resolve(),
    };
  };

  const attached: (() => Promise<void>)[] = [];
  const conveyor: Conveyor = {
    definitions,
    enqueue: enqueuer.enqueue,
    enqueueByName: enqueuer.enqueueByName,
    enqueueMany: enqueuer.enqueueMany,
    worker,

    async run(name, payload, runOptions = {}) {
      const definition = registry.byName(name);
      const dryRun = runOptions.dryRun ?? false;
      const prepared = prepareJob(
        definition,
        payload,
        runOptions.tenantId ? { tenantId: runOptions.tenantId } : {},
        {
          now: now(),
          maxPayloadBytes: settings.maxPayloadBytes,
        },
      );
      return runInProcess(definition, prepared, {
        dryRun,
        log,
        now,
        enqueue: dryRun ? enqueuer.dryRun : enqueuer.enqueue,
      });
    },

    async getJob(id) {
      return (await store()).jobGet({ id: String(id) });
    },

    async listJobs(filter = {}, page = {}) {
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

    async cancel(id) {
      return (await cancelJobs(ALL_TENANTS, [String(id)])).length > 0;
    },

    queues: createQueueAdmin(store, registry.queues, now),
    schedules: schedules.api,
    analytics: observability.analytics,
    alerts: observability.alerts,
    metrics: observability.metrics,
    health: observability.health,
    deadLetters: createDeadLetters(store, now, () => workers.wake()),

    async stats(): Promise<QueueStats[]> {
      const rows = await (await store()).jobCountByState({});
      const byQueue = new Map<string, QueueStats>();
      for (const queue of registry.queues) byQueue.set(queue, { queue, counts: countsOf() });
      for (const row of rows) {
        const entry = byQueue.get(row.queue) ?? { queue: row.queue, counts: countsOf() };
        entry.counts[row.state] += row.count;
        byQueue.set(row.queue, entry);
      }
      return [...byQueue.values()].sort((a, b) => a.queue.localeCompare(b.queue));
    },

    async prune() {
      return pruneOnce(await store(), retentionByQueue(), now(), observability.historyReadWindows);
    },

    migrate: () => handle.migrate(),

    async ping() {
      await (await handle.connected()).ping();
    },

    on: (event, listener) => events.on(event, listener),
    once: (event, match) => events.once(event, match),

    async close() {
      const graceMs = workers.longestShutdownMs() + settings.closeTimeoutMs;
      const deadline = setTimeout(() => {
        log.warn({ graceMs }, 'close is past its deadline; closing the database connections');
        void handle.close();
      }, graceMs);
      try {
        for (const close of attached.splice(0).reverse()) await close().catch(() => {});
        await workers.stopAll();
        await runtime.stop();
        await schedules.scheduler.stop();
        await observability.close();
        await enqueuer.settled();
        await handle.close();
      } finally {
        clearTimeout(deadline);
      }
    },

    logger: log,
  };
  const internals: ConveyorInternals = {
    cancelJobs,
    store,
    runtime,
    notifier,
    registry,
    metrics: observability.metrics,
    healthSections: observability.healthSections,
    log,
    now,
    maxPayloadBytes: settings.maxPayloadBytes,
    retention: settings.retention,
    wake: (queue) => workers.wake(queue),
    onClose: (close) => {
      attached.push(close);
    },
  };
  Object.defineProperty(conveyor, CONVEYOR_INTERNALS, { value: internals, enumerable: false });
  return conveyor;
}
