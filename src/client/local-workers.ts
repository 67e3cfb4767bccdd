/**
 * The workers of this Conveyor instance, and what reaches all of them: a wake-up for a queue (a
 * local enqueue, a NOTIFY, a replay), a cancellation, a reconnect after which any NOTIFY may have
 * been missed. The one place that loops over them.
 */
import type { HandoffSlot } from '../worker/handoff.ts';
import type { Worker } from '../worker/worker.ts';

export class LocalWorkers {
  readonly #workers = new Set<Worker>();

  get size(): number {
    return this.#workers.size;
  }

  add(worker: Worker): void {
    this.#workers.add(worker);
  }

  delete(worker: Worker): void {
    this.#workers.delete(worker);
  }

  /** A queue (or, without one, any queue) may have work: claim soon. */
  wake(queue?: string): void {
    for (const worker of this.#workers) worker.wake(queue);
  }

  /** A slot of a worker that would start a job of `queue` and `name` at once (worker/handoff.ts), or null. */
  reserveHandoff(queue: string, name: string): HandoffSlot | null {
    for (const worker of this.#workers) {
      const slot = worker.reserveHandoff(queue, name);
      if (slot) return slot;
    }
    return null;
  }

  /** A job was cancelled: a worker running or holding it lets go. */
  cancelled(jobId: string): void {
    for (const worker of this.#workers) worker.cancelled(jobId);
  }

  /** The longest shutdown deadline among them (close waits that long before forcing). */
  longestShutdownMs(): number {
    return Math.max(0, ...[...this.#workers].map((worker) => worker.settings.shutdownTimeoutMs));
  }

  /** Stops every worker gracefully. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#workers].map((worker) => worker.stop()));
  }
}
