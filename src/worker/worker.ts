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
import { JobCancelledError, UnknownJobError, WorkerShutdownError } from '../core/errors.ts';
import { safeError } from '../log/safe-error.ts';
import type { ClaimedJob } from '../store/store.ts';
import { ClaimLoop, type ClaimStats } from './claim-loop.ts';
import type { HandoffSlot } from './handoff.ts';
import {
  type Execution,
  type ExecutionDeps,
  type ExecutionOutcome,
  jobInfo,
  startExecution,
} from './job-execution.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { OutcomeWriter } from './outcome-writer.ts';
import { PrefetchBuffer } from './prefetch-buffer.ts';
import { returnJobs } from './return-jobs.ts';
import { ThroughputMeter } from './throughput-meter.ts';
import type { WorkerDeps, WorkerSettings } from './worker-deps.ts';

/** Seconds of work (at the recent finish rate) the prefetch buffer aims to hold. */
const PREFETCH_HORIZON_S = 0.1;
/** Outcomes awaiting their write that do not count against the buffer: one write's worth. */
const OUTCOME_ALLOWANCE = 1_000;

type WorkerState = 'running' | 'stopping' | 'stopped';

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
  readonly #outcomes: OutcomeWriter;
  #idleWaiters: (() => void)[] = [];
  /** Slots reserved for handoffs whose insert has not settled (handoff.ts). */
  #handoffsReserved = 0;
  /** Whether the claim loop has read the queue settings (a handoff needs them). */
  #accepting = false;
  /** Give-backs of jobs handed off while stopping, which shutdown waits for. */
  #handoffReturns: Promise<void>[] = [];
  /** Resolved when no handoff is reserved. */
  #handoffWaiters: (() => void)[] = [];
  #stopped: Promise<void> | null = null;
  /** What every execution of this worker is given (one object, not one per job). */
  readonly #executionDeps: ExecutionDeps;
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
        this.#handoffsReserved +
        (limited ? 0 : Math.max(0, this.#outcomes.pending - OUTCOME_ALLOWANCE)),
      active: () => this.#state === 'running',
      reserve: (limit) =>
        this.#buffer.reserve(limit, settings.concurrency - this.#running.size - this.#handoffsReserved),
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
      holds: (id) => this.#running.has(id) || this.#outcomes.holds(id) || this.#buffer.has(id),
      claimInFlight: () => this.#claims.busy || this.#handoffsReserved > 0,
      cancelled: (id) => this.cancelled(id),
      giveBack: (ids) => this.#returnJobs(ids),
    });
    this.#executionDeps = {
      log: deps.log,
      now: deps.now,
      enqueue: deps.enqueue,
      progress: (info, value) =>
        deps
          .progress(info.id, value)
          .then(() => deps.events.emit('job:progress', { job: info, progress: value })),
      settled: (execution, outcome) => this.#executionSettled(execution, outcome),
    };
    this.#outcomes = new OutcomeWriter({
      store: deps.store,
      workerId: this.id,
      log: this.#log,
      now: deps.now,
      definitions: deps.definitions,
      events: deps.events,
      recordsCompleted: deps.recordsCompleted,
      written: (queues) => this.#slotsFreed(queues),
      retryScheduled: deps.retryScheduled,
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
    this.#accepting = true;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** Claims so far, jobs they brought, empty and short ones (claim-loop.ts): a debugging aid. */
  get claimStats(): ClaimStats {
    return this.#claims.stats;
  }

  /** A queue may have work (NOTIFY, local enqueue): claim soon. */
  wake(queue?: string): void {
    this.#claims.wake(queue);
  }

  /**
   * Reserves a slot for a job of this process's insert to be handed straight to this worker
   * (handoff.ts), or returns null: the worker is not running, does not serve the queue or name, has
   * no free slot, holds buffered jobs (they come first), or the queue has a pause, limit or group
   * rule. The slot counts against claims until `settle`.
   */
  reserveHandoff(queue: string, name: string): HandoffSlot | null {
    const { concurrency, queues } = this.settings;
    if (this.#state !== 'running' || !this.#accepting) return null;
    if (!this.#deps.definitions.has(name) || !queues.includes(queue)) return null;
    if (this.#buffer.size > 0 || !this.#claims.plan.allowsHandoff(queue)) return null;
    if (this.#running.size + this.#handoffsReserved >= concurrency) return null;
    this.#handoffsReserved += 1;
    let settled = false;
    return {
      workerId: this.id,
      settle: (job) => {
        if (settled) return;
        settled = true;
        this.#handoffsReserved -= 1;
        if (job) {
          if (this.#state === 'running') this.#run(job);
          else this.#handoffReturns.push(this.#returnJobs([job.id]));
        }
        if (this.#handoffsReserved === 0) for (const resolve of this.#handoffWaiters.splice(0)) resolve();
        this.#notifyIdle();
      },
    };
  }

  /** Aborts a running job of this worker that was cancelled; its outcome is not written. */
  cancelled(jobId: string): void {
    const execution = this.#running.get(jobId);
    if (execution) execution.abort(new JobCancelledError());
    this.#buffer.remove(jobId);
  }

  /** Resolves when nothing is running or buffered and no claim or write is pending. */
  async idle(): Promise<void> {
    while (
      this.#running.size > 0 ||
      this.#buffer.size > 0 ||
      this.#claims.busy ||
      this.#handoffsReserved > 0
    ) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    await this.#outcomes.drain();
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
    // Inserts naming this worker settle before it lets go of its lease (a handed-off job arriving
    // now is given back at once).
    while (this.#handoffsReserved > 0) {
      await new Promise<void>((resolve) => this.#handoffWaiters.push(resolve));
    }
    await Promise.all(this.#handoffReturns.splice(0));
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
    await this.#outcomes.drain(deadlineAt - Date.now());
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
      names: [...this.#deps.definitions.keys()],
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
    const { definitions, events, now } = this.#deps;
    const definition = definitions.get(job.name);
    if (!definition) {
      // Another deployment may know it: fail the attempt (with retries) rather than drop the job.
      const error = new UnknownJobError(job.name, [...definitions.keys()]);
      this.#outcomes.record(job, jobInfo(job), now(), { kind: 'failed', error });
      return;
    }
    const execution = startExecution(job, definition, this.#executionDeps);
    this.#running.set(job.id, execution);
    events.emit('job:active', { job: execution.info, workerId: this.id });
  }

  /** An execution of #run settled: its outcome goes to the writer, its slot to the next job. */
  #executionSettled(execution: Execution, outcome: ExecutionOutcome): void {
    const { job, info, startedAt } = execution;
    this.#running.delete(job.id);
    this.#throughput.record();
    const ranMs = this.#deps.now().getTime() - startedAt.getTime();
    this.#meanRunMs = this.#meanRunMs === null ? ranMs : this.#meanRunMs + (ranMs - this.#meanRunMs) / 16;
    this.#outcomes.record(job, info, startedAt, outcome);
    this.#dispatch();
    this.#claims.fill();
    this.#notifyIdle();
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
    if (
      this.#running.size === 0 &&
      this.#buffer.size === 0 &&
      !this.#claims.busy &&
      this.#handoffsReserved === 0
    ) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }
}
