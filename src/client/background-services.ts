/**
 * The services a process runs while it has at least one worker: wake-up and cancel listener,
 * promoter, rescuer and pruner. Start and stop are idempotent and safe to race: concurrent starts
 * share one launch, and a stop waits for everything it stopped.
 */
import type { Logger } from 'pino';
import type { LifecycleEmitter } from '../events/lifecycle-events.ts';
import { Promoter } from '../maintenance/promoter.ts';
import { Pruner, type RetentionPolicy } from '../maintenance/pruner.ts';
import { Rescuer } from '../maintenance/rescuer.ts';
import type { Store } from '../store/store.ts';
import type { Worker } from '../worker/worker.ts';
import type { ResolvedOptions } from './conveyor-options.ts';

export class BackgroundServices {
  readonly #settings: ResolvedOptions;
  readonly #workers: ReadonlySet<Worker>;
  readonly #retention: () => ReadonlyMap<string, RetentionPolicy>;
  readonly #events: LifecycleEmitter;
  readonly #log: Logger;
  /** Alert evaluation and history retention (src/observe). */
  readonly #observers: readonly { start(): void; stop(): Promise<void> }[];
  readonly #scheduler: { start(): Promise<void>; stop(): Promise<void> } | undefined;
  #running: { promoter: Promoter; rescuer: Rescuer; pruner: Pruner; unlisten: () => Promise<void> } | null =
    null;
  #starting: Promise<void> | null = null;
  #stopping: Promise<unknown> = Promise.resolve();

  constructor(
    settings: ResolvedOptions,
    workers: ReadonlySet<Worker>,
    retention: () => ReadonlyMap<string, RetentionPolicy>,
    events: LifecycleEmitter,
    log: Logger,
    scheduler?: { start(): Promise<void>; stop(): Promise<void> },
    observers: readonly { start(): void; stop(): Promise<void> }[] = [],
  ) {
    this.#observers = observers;
    this.#settings = settings;
    this.#workers = workers;
    this.#retention = retention;
    this.#events = events;
    this.#log = log;
    this.#scheduler = scheduler;
  }

  /** A job of this process is due at `runAt`: have the promoter look then. */
  scheduledAt(runAt: Date): void {
    this.#running?.promoter.scheduledAt(runAt);
  }

  start(store: Store): Promise<void> {
    if (this.#running) return Promise.resolve();
    this.#starting ??= this.#launch(store).finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  stop(): Promise<unknown> {
    const running = this.#running;
    this.#running = null;
    if (running) {
      this.#stopping = Promise.all([
        running.promoter.stop(),
        running.rescuer.stop(),
        running.pruner.stop(),
        running.unlisten(),
        ...this.#observers.map((observer) => observer.stop()),
        this.#scheduler?.stop(),
      ]);
    }
    return this.#stopping;
  }

  async #launch(store: Store): Promise<void> {
    const { now, promoteIntervalMs, rescueIntervalMs, pruneIntervalMs } = this.#settings;
    const workers = this.#workers;
    const promoter = new Promoter(store, now, promoteIntervalMs, this.#log);
    const rescuer = new Rescuer(store, now, rescueIntervalMs, this.#events, this.#log);
    const pruner = new Pruner(store, this.#retention, now, pruneIntervalMs, this.#log);
    const unlisten = await store.listen({
      ready: (queue) => {
        for (const worker of workers) worker.wake(queue);
      },
      cancelled: (jobId) => {
        for (const worker of workers) worker.cancelled(jobId);
      },
      reconnected: () => {
        // NOTIFYs sent while the connection was down are gone: look everywhere once.
        for (const worker of workers) worker.wake();
        promoter.scheduledAt(now());
      },
    });
    this.#running = { promoter, rescuer, pruner, unlisten };
    promoter.start();
    rescuer.start();
    pruner.start();
    for (const observer of this.#observers) observer.start();
    await this.#scheduler?.start();
  }
}
