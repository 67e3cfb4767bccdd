/**
 * The public API of a Conveyor instance, declared (createConveyor in conveyor.ts builds it). Every
 * member a user can call is here, with what it does; the capability APIs it exposes (queues,
 * schedules, analytics, alerts, metrics, dead letters) are declared by their capabilities.
 */
import type { Logger } from 'pino';
import type { EnqueueOptions } from '../core/enqueue-options.ts';
import type { JobFilter, JobRecord, JobState } from '../core/job.ts';
import type { AnyJobDefinition, JobDefinition } from '../core/job-definition.ts';
import type { SqlExecutor } from '../core/sql-executor.ts';
import type { LifecycleEventName, LifecycleEvents } from '../events/lifecycle-events.ts';
import type { PruneReport } from '../maintenance/pruner.ts';
import type { Analytics } from '../observe/analytics.ts';
import type { HealthReport } from '../observe/health.ts';
import type { ConveyorMetrics } from '../observe/metrics.ts';
import type { AlertsApi } from '../observe/observability.ts';
import type { SchedulesApi } from '../scheduler/schedules-api.ts';
import type { InProcessRun } from '../worker/run-in-process.ts';
import type { Worker } from '../worker/worker.ts';
import type { DeadLettersApi } from './dead-letters.ts';
import type { QueuesApi } from './queue-admin.ts';
import type { WorkerOptions } from './worker-options.ts';

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

/** The outcome of `run()`: a job run in this process, without the queue. */
export type RunResult = InProcessRun;

/** What `worker()` returns: start it (idempotent), stop it gracefully. */
export interface WorkerHandle {
  /** Registers the worker's lease, starts the process's services if none ran, and starts claiming. */
  start(): Promise<Worker>;
  /** Graceful shutdown (see Worker.stop); safe before start. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export interface Conveyor {
  /** The registered job definitions, by name. */
  readonly definitions: ReadonlyMap<string, AnyJobDefinition>;

  /**
   * Enqueues one job. Validates payload and options first (a rejected enqueue writes nothing);
   * resolves after the job is committed (with `tx`, inside your transaction). Concurrent calls
   * share one multi-row insert.
   *
   * @example
   * const { id } = await conveyor.enqueue(sendWelcome, { userId: 'u_1' }, { tenantId: 'acme', delay: '5m' });
   */
  enqueue<I, P, R>(
    job: JobDefinition<I, P, R>,
    payload: I,
    options?: EnqueueOptions & TransactionOption,
  ): Promise<EnqueuedJob>;

  /** Enqueues a job by its registered name (CLI, HTTP). */
  enqueueByName(
    name: string,
    payload: unknown,
    options?: EnqueueOptions & TransactionOption,
  ): Promise<EnqueuedJob>;

  /**
   * Enqueues many jobs of one kind: all are validated before anything is written, then inserted in
   * statements of 1,000 inside one transaction (or the caller's `tx`).
   */
  enqueueMany<I, P, R>(
    job: JobDefinition<I, P, R>,
    items: { payload: I; options?: EnqueueOptions }[],
    options?: TransactionOption,
  ): Promise<EnqueuedJob[]>;

  /**
   * Creates a worker; call `start()` on it.
   *
   * @example
   * await conveyor.worker({ queues: ['emails'], concurrency: 10 }).start();
   */
  worker(options?: WorkerOptions): WorkerHandle;

  /**
   * Runs one job in this process, without the queue, and returns its result (Leora's runner).
   * With `dryRun`, the handler sees `dryRun: true` and should write nothing.
   */
  run(name: string, payload: unknown, options?: { tenantId?: string; dryRun?: boolean }): Promise<RunResult>;

  /** A job by id: live, dead, cancelled, or completed (while its run is retained). */
  getJob(id: string): Promise<JobRecord | null>;

  /** Jobs matching a filter, by id (pages with `afterId`); completed jobs live in the run history. */
  listJobs(filter?: JobFilter, page?: { limit?: number; afterId?: string }): Promise<JobRecord[]>;

  /** Cancels a queued or running job (a running handler's signal aborts). False if already finished. */
  cancel(id: string): Promise<boolean>;

  /** Flow control at runtime: limits, pause/resume of queues and groups, group overrides. */
  readonly queues: QueuesApi;

  /** Cron schedules at runtime: add, update, pause, resume, remove, list, get (docs/scheduling.md). */
  readonly schedules: SchedulesApi;

  /** Run-history analytics: job, overall and worker stats, failures, error groups, percentiles… */
  readonly analytics: Analytics;

  /** Alert rules: evaluate now (also periodic while workers run) and list incidents. */
  readonly alerts: AlertsApi;

  /** Prometheus metrics: `scrape()` gives the exposition text; `registry` is prom-client's. */
  readonly metrics: ConveyorMetrics;

  /** The health report (`/health`): database, Redis, queue counts. */
  health(): Promise<HealthReport>;

  /** Dead jobs: list them with their errors, replay them. */
  readonly deadLetters: DeadLettersApi;

  /** Job counts per queue and state (completed counts what retention keeps). */
  stats(): Promise<QueueStats[]>;

  /** Applies retention now (it also runs every `pruneInterval` while workers run). */
  prune(): Promise<PruneReport>;

  /** Applies pending migrations (and changed SQL functions); returns the versions applied. */
  migrate(): Promise<number[]>;

  /** Checks that the database answers (throws DatabaseUnavailableError); needs no migration. */
  ping(): Promise<void>;

  /**
   * Subscribes to a lifecycle event of this process's jobs; returns the unsubscribe function.
   * Every payload carries the job's public info as `job` (docs/operations.md#events).
   */
  on<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): () => void;

  /** The next event of a kind that matches (tests, scripts). */
  once<E extends LifecycleEventName>(
    event: E,
    match?: (payload: LifecycleEvents[E]) => boolean,
  ): Promise<LifecycleEvents[E]>;

  /**
   * Stops every worker (gracefully) and the process's services, waits for pending enqueues, and
   * closes the store. Idempotent. Bounded: past the longest worker `shutdownTimeout` plus
   * `closeTimeout`, the database connections are closed under whatever still waits on them.
   */
  close(): Promise<void>;

  /** The logger this instance writes to. */
  readonly logger: Logger;
}
