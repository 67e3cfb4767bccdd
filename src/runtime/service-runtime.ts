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
 * A leader service may name a role of its own (`add(relay, 'leader', { role: 'events' })`): each
 * role has its own election, so the outbox relay can lead in one process while maintenance leads
 * in another. Services are usually added before first use; one added while the runtime is in use
 * starts at once (or, for a leader service, when its role is won).
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
  /** The leadership role (leader services only). */
  role: string | null;
  running: boolean;
}

export interface ServiceRuntimeOptions {
  store: () => Promise<LeaderStore>;
  /** The leadership role of `leader` services that name none (e.g. `maintenance`). */
  leaderRole: string;
  log: Logger;
  /** How often a process that is not leader campaigns again (default 1 s). */
  leaderRetryMs?: number;
}

export class ServiceRuntime {
  readonly #entries: Entry[] = [];
  readonly #log: Logger;
  readonly #options: ServiceRuntimeOptions;
  /** One election per role that has leader services, created when the first is added. */
  readonly #elections = new Map<string, LeaderElection>();
  readonly #users = new Set<symbol>();
  #transition: Promise<void> = Promise.resolve();

  constructor(options: ServiceRuntimeOptions) {
    this.#log = options.log;
    this.#options = options;
  }

  /**
   * Registers a service; it runs while the runtime is in use (and, for `leader`, while this process
   * holds its role: `options.role`, default the runtime's `leaderRole`).
   */
  add(
    service: Service,
    placement: ServicePlacement = 'every-process',
    options: { role?: string } = {},
  ): void {
    const role = placement === 'leader' ? (options.role ?? this.#options.leaderRole) : null;
    this.#entries.push({ service, placement, role, running: false });
    if (role !== null && !this.#elections.has(role)) this.#elections.set(role, this.#election(role));
    if (this.#users.size > 0) void this.#queue(() => this.#startEveryProcess());
  }

  #election(role: string): LeaderElection {
    const { store, leaderRetryMs, log } = this.#options;
    return new LeaderElection({
      store,
      role,
      ...(leaderRetryMs === undefined ? {} : { retryMs: leaderRetryMs }),
      log,
      onElected: () => this.#queue(() => this.#startRole(role)),
      onLost: () => this.#queue(() => this.#stopRole(role)),
    });
  }

  /** Whether this process holds the leadership role now (default: the runtime's `leaderRole`). */
  isLeaderOf(role: string = this.#options.leaderRole): boolean {
    return this.#elections.get(role)?.isLeader ?? false;
  }

  /** Whether this process holds the runtime's `leaderRole` now. */
  get isLeader(): boolean {
    return this.isLeaderOf();
  }

  /**
   * Marks the runtime in use by one more user (starting its services if it was idle); resolves
   * once the every-process services have started. Call the returned function once when done.
   */
  async use(): Promise<() => Promise<void>> {
    const user = Symbol('service user');
    const first = this.#users.size === 0;
    this.#users.add(user);
    if (first) await this.#queue(() => this.#startEveryProcess());
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

  async #startEntries(entries: Entry[]): Promise<void> {
    for (const entry of entries) {
      if (entry.running) continue;
      try {
        await entry.service.start();
        entry.running = true;
      } catch (error) {
        this.#log.error({ err: safeError(error), service: entry.service.name }, 'service failed to start');
      }
    }
  }

  async #startEveryProcess(): Promise<void> {
    if (this.#users.size === 0) return;
    await this.#startEntries(this.#entries.filter((e) => e.placement === 'every-process'));
    for (const election of this.#elections.values()) election.start();
  }

  async #startRole(role: string): Promise<void> {
    if (this.#users.size === 0) return;
    await this.#startEntries(this.#entries.filter((e) => e.role === role));
  }

  async #stopEntries(entries: Entry[]): Promise<void> {
    await Promise.all(
      entries
        .filter((entry) => entry.running)
        .map(async (entry) => {
          entry.running = false;
          await entry.service.stop().catch((error: unknown) => {
            this.#log.warn({ err: safeError(error), service: entry.service.name }, 'service failed to stop');
          });
        }),
    );
  }

  #stopRole(role: string): Promise<void> {
    return this.#stopEntries(this.#entries.filter((e) => e.role === role));
  }

  async #shutDown(): Promise<void> {
    if (this.#users.size > 0) return;
    // Leaving the elections stops the leader services first (onLost is queued behind this step).
    await Promise.all([...this.#elections.values()].map((election) => election.stop()));
    await this.#stopEntries(this.#entries.filter((e) => e.placement === 'leader'));
    await this.#stopEntries(this.#entries.filter((e) => e.placement === 'every-process'));
  }
}
