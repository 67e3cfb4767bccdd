/**
 * The services of one process, started with whatever needs them. A worker, a scheduler, and
 * later an outbox relay, a realtime gateway or an HTTP server call `use()` when they start and the
 * returned release when they stop: the first use starts the services, the last release stops
 * them, so a process that only enqueues runs none, and a process without a worker (a relay, a
 * gateway) runs them too.
 *
 * Placement: `every-process` services run in each process that uses the runtime (the promoter,
 * which promotes this process's retries at their exact time; the rescuer, cheap and safe in many);
 * `leader` services run in one process of the cluster at a time, the one elected for the role
 * (LeaderElection): retention, alert evaluation, the cron scheduler. Leadership is only a saving
 * and a courtesy: each of those is correct with several running (deletes in batches, incidents
 * deduplicated by an index, cron fires by a fire key), so a split-brain moment does no harm.
 *
 * Transitions (start on first use, stop on last release, leader services on election and loss)
 * run one after another, never interleaved.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import type { LeaderStore } from '../store/leader-store.ts';
import { LeaderElection } from './leader-election.ts';
import type { Service } from './service.ts';

export type ServicePlacement = 'every-process' | 'leader';

export interface ServiceStatus {
  name: string;
  placement: ServicePlacement;
  running: boolean;
}

interface Entry {
  service: Service;
  placement: ServicePlacement;
  running: boolean;
}

export interface ServiceRuntimeOptions {
  store: () => Promise<LeaderStore>;
  /** The leadership role the `leader` services share (e.g. `maintenance`). */
  leaderRole: string;
  log: Logger;
  /** How often a process that is not leader campaigns again (default 1 s). */
  leaderRetryMs?: number;
}

export class ServiceRuntime {
  readonly #entries: Entry[] = [];
  readonly #log: Logger;
  readonly #election: LeaderElection;
  readonly #users = new Set<symbol>();
  #transition: Promise<void> = Promise.resolve();

  constructor(options: ServiceRuntimeOptions) {
    this.#log = options.log;
    this.#election = new LeaderElection({
      store: options.store,
      role: options.leaderRole,
      ...(options.leaderRetryMs === undefined ? {} : { retryMs: options.leaderRetryMs }),
      log: options.log,
      onElected: () => this.#queue(() => this.#startAll('leader')),
      onLost: () => this.#queue(() => this.#stopAll('leader')),
    });
  }

  /** Registers a service; it runs while the runtime is in use (and, for `leader`, while elected). */
  add(service: Service, placement: ServicePlacement = 'every-process'): void {
    this.#entries.push({ service, placement, running: false });
  }

  /** Whether this process holds the leadership role now. */
  get isLeader(): boolean {
    return this.#election.isLeader;
  }

  /**
   * Marks the runtime in use by one more user (starting its services if it was idle); resolves
   * once the every-process services have started. Call the returned function once when done.
   */
  async use(): Promise<() => Promise<void>> {
    const user = Symbol('service user');
    const first = this.#users.size === 0;
    this.#users.add(user);
    if (first) await this.#queue(() => this.#startAll('every-process'));
    else await this.#transition;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.#users.delete(user);
      if (this.#users.size === 0) await this.#queue(() => this.#shutDown());
      else await this.#transition;
    };
  }

  /** Stops every service, whoever still uses them (close). */
  stop(): Promise<void> {
    this.#users.clear();
    return this.#queue(() => this.#shutDown());
  }

  status(): ServiceStatus[] {
    return this.#entries.map(({ service, placement, running }) => ({
      name: service.name,
      placement,
      running,
    }));
  }

  #queue(step: () => Promise<void>): Promise<void> {
    this.#transition = this.#transition.then(step, step);
    return this.#transition;
  }

  async #startAll(placement: ServicePlacement): Promise<void> {
    if (this.#users.size === 0) return;
    for (const entry of this.#entries) {
      if (entry.placement !== placement || entry.running) continue;
      try {
        await entry.service.start();
        entry.running = true;
      } catch (error) {
        this.#log.error({ err: safeError(error), service: entry.service.name }, 'service failed to start');
      }
    }
    if (placement === 'every-process' && this.#entries.some((e) => e.placement === 'leader')) {
      this.#election.start();
    }
  }

  async #stopAll(placement: ServicePlacement): Promise<void> {
    await Promise.all(
      this.#entries
        .filter((entry) => entry.placement === placement && entry.running)
        .map(async (entry) => {
          entry.running = false;
          await entry.service.stop().catch((error: unknown) => {
            this.#log.warn({ err: safeError(error), service: entry.service.name }, 'service failed to stop');
          });
        }),
    );
  }

  async #shutDown(): Promise<void> {
    if (this.#users.size > 0) return;
    // Leaving the election stops the leader services first (its onLost is queued behind this step).
    await this.#election.stop();
    await this.#stopAll('leader');
    await this.#stopAll('every-process');
  }
}
