/**
 * Keeps a worker's lease: one heartbeat statement every third of the lease, at most one in flight.
 * Each beat also
 *   - aborts jobs of this worker that were cancelled (the heartbeat is the fallback to NOTIFY);
 *   - re-registers the worker if its lease had expired (a long pause), so it keeps claiming;
 *   - gives back jobs the database says this worker holds but the worker never received (a claim
 *     whose reply was lost after its commit). An id counts as lost only when two beats in a row
 *     report it unknown and no claim was in flight, so a claim racing the beat is never mistaken.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';
import type { WorkerStore } from '../store/worker-store.ts';

export interface LeaseKeeperDeps {
  store: WorkerStore;
  workerId: string;
  leaseMs: number;
  now: () => Date;
  log: Logger;
  register(): Promise<void>;
  /** Whether the worker knows this job (buffered, running, or acknowledging). */
  holds(jobId: string): boolean;
  claimInFlight(): boolean;
  cancelled(jobId: string): void;
  giveBack(jobIds: string[]): Promise<void>;
}

export class LeaseKeeper {
  readonly #deps: LeaseKeeperDeps;
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> | null = null;
  #suspects = new Set<string>();

  constructor(deps: LeaseKeeperDeps) {
    this.#deps = deps;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(
      () => {
        this.#beating ??= this.#beat().finally(() => {
          this.#beating = null;
        });
      },
      Math.max(50, Math.floor(this.#deps.leaseMs / 3)),
    );
  }

  /** Stops beating and waits for a beat in flight, so none lands after the worker row is removed. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beating;
  }

  async #beat(): Promise<void> {
    const deps = this.#deps;
    try {
      const beat = await deps.store.workerHeartbeat({
        id: deps.workerId,
        now: deps.now(),
        leaseMs: deps.leaseMs,
      });
      if (!beat.alive && this.#timer) {
        deps.log.warn('lease had expired (process paused or database unreachable); registering again');
        await deps.register();
      }
      for (const id of beat.cancelledIds) deps.cancelled(id);
      if (deps.claimInFlight()) {
        this.#suspects.clear();
        return;
      }
      const unknown = beat.heldIds.filter((id) => !deps.holds(id));
      const lost = unknown.filter((id) => this.#suspects.has(id));
      this.#suspects = new Set(unknown.filter((id) => !this.#suspects.has(id)));
      if (lost.length > 0) {
        deps.log.warn(
          { count: lost.length },
          'giving back jobs claimed for this worker that it never received',
        );
        await deps.giveBack(lost);
      }
    } catch (error) {
      deps.log.warn({ err: safeError(error) }, 'heartbeat failed; will retry');
    }
  }
}
