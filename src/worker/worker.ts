/**
 * A worker: claims jobs of its queues in batches into a bounded local buffer (ClaimLoop), runs up
 * to `concurrency` at once, and acknowledges outcomes in batches.
 *
 * Leases: the process's heartbeat row covers every job it holds (D5.7). Shutdown: stop claiming,
 * give back the buffer at once, let running jobs finish until the deadline, then abort and give back
 * the rest. Nothing is lost at any step: an unacknowledged job stays active under the lease, and the
 * rescuer returns it if this process dies.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import {
  type DatabaseRejectedError,
  JobCancelledError,
  UnknownJobError,
  WorkerShutdownError,
} from '../core/errors.ts';
import type { AttemptError, RunningJobInfo } from '../core/job.ts';
import type { AnyJobDefinition, EnqueueFromHandler } from '../core/job-definition.ts';
import type { LifecycleEmitter } from '../events/lifecycle-events.ts';
import { safeError } from '../log/safe-error.ts';
import type { ClaimedJob, CompletedItem, FailedItem, Store } from '../store/store.ts';
import { attemptErrorFrom, rejectedOutcomeError } from './attempt-error.ts';
import { ClaimLoop } from './claim-loop.ts';
import { FlushBatcher } from './flush-batcher.ts';
import { type Execution, type ExecutionOutcome, jobInfo, startExecution } from './job-execution.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { PrefetchBuffer } from './prefetch-buffer.ts';
import { retryAt } from './retry-policy.ts';
import { returnJobs } from './return-jobs.ts';
import { ThroughputMeter } from './throughput-meter.ts';

/** Seconds of work (at the recent finish rate) the prefetch buffer aims to hold. */
const PREFETCH_HORIZON_S = 0.1;
/** Outcomes awaiting their write that do not count against the buffer: one write's worth. */
const OUTCOME_ALLOWANCE = 1_000;

export interface WorkerSettings {
  queues: string[];
  concurrency: number;
  prefetch: number;
  pollIntervalMs: number;
  shutdownTimeoutMs: number;
  handleSignals: boolean;
}

export interface WorkerDeps {
  store: Store;
  definitions: ReadonlyMap<string, AnyJobDefinition>;
  events: LifecycleEmitter;
  log: Logger;
  now: () => Date;
  leaseMs: number;
  progress(jobId: string, value: unknown): Promise<void>;
  /** `context.enqueue` for handlers. */
  enqueue: EnqueueFromHandler;
  /** Whether the queue keeps completed runs (retention `completed: false` keeps none). */
  recordsCompleted(queue: string): boolean;
  /** Called once the worker stops, so the owner can forget it. */
  onStopped(worker: Worker): void;
}

type WorkerState = 'running' | 'stopping' | 'stopped';

/** An outcome recorded but not yet written (the job is still active in the database). */
interface PendingCompletion {
  item: CompletedItem;
  info: RunningJobInfo;
  job: ClaimedJob;
}
interface PendingFailure {
  item: FailedItem;
  info: RunningJobInfo;
  error: AttemptError;
  /** Already rewritten with a minimal error after the database refused the original. */
  rewritten?: boolean;
}

/** At shutdown, unwritten outcomes get until the deadline, and at least this long, to land. */
const MIN_OUTCOME_DRAIN_MS = 1_000;

export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly settings: WorkerSettings;
  readonly #deps: WorkerDeps;
  readonly #log: Logger;
  #state: WorkerState = 'running';
  readonly #buffer: PrefetchBuffer;
  readonly #running = new Map<string, Execution>();
  readonly #claims: ClaimLoop;
  readonly #throughput = new ThroughputMeter();
  /** Mean run time of recent jobs (ms, smoothed), null until one finished. */
  #meanRunMs: number | null = null;
  readonly #lease: LeaseKeeper;
  /** Jobs whose outcome is recorded but not yet written: still active in the database. */
  readonly #acking = new Set<string>();
  #idleWaiters: (() => void)[] = [];
  readonly #completions: FlushBatcher<PendingCompletion>;
  readonly #failures: FlushBatcher<PendingFailure>;
  #stopped: Promise<void> | null = null;
  readonly #signalHandler = (signal: NodeJS.Signals): void => {
    this.#log.info({ signal }, 'signal received; shutting down gracefully');
    void this.stop();
  };

  constructor(settings: WorkerSettings, deps: WorkerDeps) {
    this.settings = settings;
    this.#deps = deps;
    this.#log = deps.log.child({ workerId: this.id });
    this.#buffer = new PrefetchBuffer({
      store: deps.store,
      workerId: this.id,
      log: this.#log,
      concurrency: settings.concurrency,
      meanRunMs: () => this.#meanRunMs,
      declared: () => {
        if (this.#state === 'running') this.#dispatch();
      },
    });
    this.#claims = new ClaimLoop({
      store: deps.store,
      workerId: this.id,
      queues: settings.queues,
      names: [...deps.definitions.keys()],
      pollIntervalMs: settings.pollIntervalMs,
      now: deps.now,
      log: this.#log,
      capacity: (limited) => (limited ? settings.concurrency : settings.concurrency + this.#prefetchNow()),
      // Jobs whose outcome is not yet written are still active in the database. Beyond what one
      // write takes (OUTCOME_ALLOWANCE) they count against the buffer, so writes that lag (a slow
      // database) stop the claims: a process holds at most concurrency + prefetch + 1,000 active
      // jobs (a drain at 30k jobs/s showed 700–1,500 with 50 + 500, of which up to ~1,000 were
      // outcomes awaiting their write). Counted from the first one, they cut claims off each
      // time a write was in flight: a 100k drain wrote completions in 4 times as many
      // statements, 15 % more database CPU per job. A limited queue's claim counts them in the
      // database anyway.
      held: (limited) =>
        this.#running.size +
        this.#buffer.size +
        (limited ? 0 : Math.max(0, this.#acking.size - OUTCOME_ALLOWANCE)),
      active: () => this.#state === 'running',
      reserve: (limit) => this.#buffer.reserve(limit, settings.concurrency - this.#running.size),
      release: (reservation) => this.#buffer.release(reservation),
      received: (jobs) => this.#buffer.add(jobs),
      settled: () => {
        if (this.#state === 'running') {
          this.#dispatch();
          this.#claims.fill();
        }
        this.#notifyIdle();
      },
    });
    this.#lease = new LeaseKeeper({
      store: deps.store,
      workerId: this.id,
      leaseMs: deps.leaseMs,
      now: deps.now,
      log: this.#log,
      register: () => this.#register(),
      holds: (id) => this.#running.has(id) || this.#acking.has(id) || this.#buffer.has(id),
      claimInFlight: () => this.#claims.busy,
      cancelled: (id) => this.cancelled(id),
      giveBack: (ids) => this.#returnJobs(ids),
    });
    this.#completions = new FlushBatcher((batch) => this.#writeCompletions(batch), {
      log: this.#log,
      what: 'completions',
    });
    this.#failures = new FlushBatcher((batch) => this.#writeFailures(batch), {
      log: this.#log,
      what: 'failures',
    });
  }

  /** Registers the worker's lease and starts claiming. */
  async start(): Promise<void> {
    await this.#register();
    this.#lease.start();
    if (this.settings.handleSignals) {
      process.once('SIGTERM', this.#signalHandler);
      process.once('SIGINT', this.#signalHandler);
    }
    this.#log.info(
      { queues: this.settings.queues, concurrency: this.settings.concurrency },
      'worker started',
    );
    await this.#claims.start();
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** A queue may have work (NOTIFY, local enqueue): claim soon. */
  wake(queue?: string): void {
    this.#claims.wake(queue);
  }

  /** Aborts a running job of this worker that was cancelled; its outcome is not written. */
  cancelled(jobId: string): void {
    const execution = this.#running.get(jobId);
    if (execution) execution.abort(new JobCancelledError());
    this.#buffer.remove(jobId);
  }

  /** Resolves when nothing is running or buffered and no claim or write is pending. */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#buffer.size > 0 || this.#claims.busy) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    await this.#drainOutcomes();
  }

  /**
   * Graceful shutdown: stop claiming, give the buffer back, let running jobs finish until the
   * deadline (default `shutdownTimeout`), then abort and give back the rest. Idempotent.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(options.timeoutMs ?? this.settings.shutdownTimeoutMs);
    return this.#stopped;
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    const deadlineAt = Date.now() + timeoutMs;
    this.#state = 'stopping';
    process.off('SIGTERM', this.#signalHandler);
    process.off('SIGINT', this.#signalHandler);
    await this.#claims.stop();
    const { store } = this.#deps;
    const unstarted = this.#buffer.takeAll().map((job) => job.id);
    await this.#returnJobs(unstarted);

    if (this.#running.size > 0) {
      let deadline: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        deadline = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const finished = Promise.all([...this.#running.values()].map((e) => e.outcome)).then(
        () => 'done' as const,
      );
      const result = await Promise.race([finished, timedOut]);
      clearTimeout(deadline);
      if (result === 'timeout') {
        const aborted = [...this.#running.values()];
        this.#log.warn(
          { count: aborted.length, timeoutMs },
          'shutdown deadline passed; aborting and releasing running jobs',
        );
        for (const execution of aborted) execution.abort(new WorkerShutdownError());
        await this.#returnJobs(aborted.map((e) => e.job.id));
      }
    }
    await this.#drainOutcomes(Math.max(deadlineAt - Date.now(), MIN_OUTCOME_DRAIN_MS));
    await this.#lease.stop();
    await store
      .workerRemove({ id: this.id })
      .catch((error: unknown) => this.#log.warn({ err: safeError(error) }, 'could not remove worker row'));
    this.#state = 'stopped';
    this.#notifyIdle();
    this.#deps.onStopped(this);
    this.#log.info('worker stopped');
  }

  #register(): Promise<void> {
    const { store, now, leaseMs } = this.#deps;
    return store.workerRegister({
      id: this.id,
      host: hostname(),
      pid: process.pid,
      queues: this.settings.queues,
      now: now(),
      leaseMs,
      startedSeq: this.#buffer.startedSeq,
    });
  }

  /**
   * The buffer follows throughput: about PREFETCH_HORIZON_S of work at the recent finish rate, at
   * least `concurrency` and at most `prefetch`. Fast jobs are then claimed in large batches (a
   * claim of 250 costs PostgreSQL about half as much per job as a claim of 40), while slow ones are
   * not hoarded by one process while others idle.
   */
  #prefetchNow(): number {
    const { concurrency, prefetch } = this.settings;
    const wanted = Math.ceil(this.#throughput.perSecond() * PREFETCH_HORIZON_S);
    return Math.min(prefetch, Math.max(concurrency, wanted));
  }

  #returnJobs(ids: string[]): Promise<void> {
    return returnJobs(this.#deps.store, this.id, ids, this.#log);
  }

  #dispatch(): void {
    const { concurrency } = this.settings;
    while (this.#state === 'running' && this.#running.size < concurrency) {
      const job = this.#buffer.take();
      if (!job) break;
      this.#run(job);
    }
    if (this.#state === 'running') this.#buffer.declareAhead(concurrency - this.#running.size);
  }

  #run(job: ClaimedJob): void {
    const { definitions, events, log, now } = this.#deps;
    const definition = definitions.get(job.name);
    if (!definition) {
      // Another deployment may know it: fail the attempt (with retries) rather than drop the job.
      const error = new UnknownJobError(job.name, [...definitions.keys()]);
      this.#record(job, jobInfo(job), now(), { kind: 'failed', error });
      return;
    }
    const execution = startExecution(job, definition, {
      log,
      now,
      enqueue: this.#deps.enqueue,
      progress: (info, value) =>
        this.#deps
          .progress(info.id, value)
          .then(() => events.emit('job:progress', { job: info, progress: value })),
    });
    this.#running.set(job.id, execution);
    events.emit('job:active', { job: execution.info, workerId: this.id });
    void execution.outcome.then((outcome) => {
      this.#running.delete(job.id);
      this.#throughput.record();
      const ranMs = now().getTime() - execution.startedAt.getTime();
      this.#meanRunMs = this.#meanRunMs === null ? ranMs : this.#meanRunMs + (ranMs - this.#meanRunMs) / 16;
      this.#record(job, execution.info, execution.startedAt, outcome);
      this.#dispatch();
      this.#claims.fill();
      this.#notifyIdle();
    });
  }

  /**
   * Queues the outcome for writing. Total: attemptErrorFrom and retryAt never throw, and should
   * anything else here throw, the job still gets a failed attempt (a thrown value used to escape
   * here as an unhandled rejection and end the process: issue 12, defect 1).
   */
  #record(job: ClaimedJob, info: RunningJobInfo, startedAt: Date, outcome: ExecutionOutcome): void {
    if (outcome.kind === 'aborted') return;
    const finishedAt = this.#deps.now();
    this.#acking.add(job.id);
    try {
      if (outcome.kind === 'completed') {
        const { result, usage } = outcome;
        const record = this.#deps.recordsCompleted(job.queue);
        const item = { id: job.id, result, startedAt, finishedAt, usage, record };
        this.#completions.add({ item, info, job });
      } else {
        const error = attemptErrorFrom(outcome.error, job.attempt, finishedAt);
        const definition = this.#deps.definitions.get(job.name);
        const next = retryAt(job, definition, outcome.error, finishedAt, this.#log);
        const item = { id: job.id, error, retryAt: next, startedAt, finishedAt, usage: outcome.usage };
        this.#failures.add({ item, info, error });
      }
    } catch (thrown) {
      this.#log.error({ jobId: job.id, err: safeError(thrown) }, 'recording an outcome failed');
      const error = attemptErrorFrom(thrown, job.attempt, finishedAt);
      const next = retryAt(job, undefined, thrown, finishedAt);
      this.#failures.add({ item: { id: job.id, error, retryAt: next, startedAt, finishedAt }, info, error });
    }
  }

  /**
   * Completions first, then failures: a completion the database refuses becomes a failure, which
   * must be written before the drain ends. With `timeoutMs` (shutdown), gives up at that bound even
   * while writes keep failing; what is left stays active under the lease, for the rescuer.
   */
  async #drainOutcomes(timeoutMs?: number): Promise<void> {
    const deadlineAt = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const left = (): number | undefined =>
      deadlineAt === undefined ? undefined : Math.max(0, deadlineAt - Date.now());
    const completed = await this.#completions.drain(left());
    const failed = await this.#failures.drain(left());
    if (timeoutMs === undefined) return;
    const dropped = this.#completions.dispose() + this.#failures.dispose();
    if (!completed || !failed) {
      this.#log.warn(
        { count: dropped, timeoutMs },
        'outcomes could not be written before the shutdown deadline; their jobs stay active until the rescuer returns them',
      );
    }
  }

  async #writeCompletions(batch: PendingCompletion[]): Promise<void> {
    const { completed, rejected } = await this.#deps.store.jobCompleteMany({
      items: batch.map((b) => b.item),
      workerId: this.id,
    });
    const done = new Set(completed);
    const refused = new Map(rejected.map((r) => [r.id, r.error]));
    const written: PendingCompletion[] = [];
    for (const entry of batch) {
      const refusal = refused.get(entry.item.id);
      // Refused (a result the checks let through that the database cannot store): a failed attempt.
      if (refusal) this.#resultRejected(entry, refusal);
      else written.push(entry);
    }
    for (const { item, info } of written) {
      this.#acking.delete(item.id);
      // A job cancelled or rescued meanwhile was not completed by this write: no event.
      if (!done.has(item.id)) continue;
      this.#deps.events.emit('job:completed', {
        job: info,
        result: item.result,
        durationMs: item.finishedAt.getTime() - item.startedAt.getTime(),
      });
    }
    this.#slotsFreed(written.map((b) => b.info.queue));
  }

  /** A completion the database refused: a failed attempt (RESULT_REJECTED), retried by policy. */
  #resultRejected({ item, info, job }: PendingCompletion, refusal: DatabaseRejectedError): void {
    const error = rejectedOutcomeError('RESULT_REJECTED', refusal, job.attempt, item.finishedAt);
    const next = retryAt(job, this.#deps.definitions.get(job.name), refusal, item.finishedAt, this.#log);
    const { id, startedAt, finishedAt, usage } = item;
    this.#failures.add({ item: { id, error, retryAt: next, startedAt, finishedAt, usage }, info, error });
  }

  async #writeFailures(batch: PendingFailure[]): Promise<void> {
    const { failed, rejected } = await this.#deps.store.jobFailMany({
      items: batch.map((b) => b.item),
      workerId: this.id,
      now: this.#deps.now(),
    });
    const written = new Set(failed.map((row) => row.id));
    const refused = new Map(rejected.map((r) => [r.id, r.error]));
    const settled: PendingFailure[] = [];
    for (const entry of batch) {
      const refusal = refused.get(entry.item.id);
      if (refusal) this.#errorRejected(entry, refusal);
      else settled.push(entry);
    }
    for (const { item } of settled) this.#acking.delete(item.id);
    this.#slotsFreed(settled.map((b) => b.info.queue));
    const { events } = this.#deps;
    for (const { item, info: job, error } of settled) {
      if (!written.has(item.id)) continue;
      events.emit('job:failed', { job, error, willRetry: item.retryAt !== null });
      if (item.retryAt) events.emit('job:retrying', { job, error, retryAt: item.retryAt });
      else events.emit('job:dead', { job, error });
      this.#log.warn(
        {
          jobId: job.id,
          job: job.name,
          queue: job.queue,
          tenantId: job.tenantId,
          attempt: job.attempt,
          err: error.message,
          retryAt: item.retryAt,
        },
        'job attempt failed',
      );
    }
  }

  /**
   * A failure the database refused: written again once with a minimal error (ERROR_REJECTED). If
   * even that is refused the outcome is dropped, logged at error level, and the job left active in
   * #acking: its lease covers it while this process lives, and the rescuer returns it (charging
   * the attempt) once the worker stops. It is never given back uncharged, which could loop.
   */
  #errorRejected(entry: PendingFailure, refusal: DatabaseRejectedError): void {
    const { item, info } = entry;
    if (entry.rewritten) {
      this.#log.error(
        { jobId: item.id, job: info.name, err: refusal.message },
        'the database refused even the minimal error of this failed attempt; the job stays active until the rescuer returns it',
      );
      return;
    }
    const error = rejectedOutcomeError('ERROR_REJECTED', refusal, item.error.attempt, item.finishedAt);
    this.#failures.add({ item: { ...item, error }, info, error, rewritten: true });
  }

  /**
   * Outcomes of these queues' jobs were just written: a limited queue has free slots now. Not
   * when the handler returns: until the outcome is written the job still counts as active in the
   * database, so a claim then sees the old count, comes back short, and (with nothing else
   * finishing) the queue idled until the poll (a per-tenant-limited drain on PGlite: 1,000 jobs
   * in 10 s).
   */
  #slotsFreed(queues: string[]): void {
    for (const queue of new Set(queues)) this.#claims.finished(queue);
    if (this.#state === 'running') this.#claims.fill();
  }

  #notifyIdle(): void {
    if (this.#running.size === 0 && this.#buffer.size === 0 && !this.#claims.busy) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }
}
