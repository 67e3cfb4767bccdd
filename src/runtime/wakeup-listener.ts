/**
 * Listens for wake-ups (`<schema>_ready`: a queue has ready jobs) and cancellations
 * (`<schema>_cancel`) from every process, and hands them to this process's workers. After a lost
 * LISTEN connection is back, NOTIFYs sent meanwhile are gone: every queue is woken once and the
 * promoter looks for due jobs.
 */
import type { Store } from '../store/store.ts';
import type { Service } from './service.ts';

export interface WakeupTargets {
  wake(queue?: string): void;
  cancelled(jobId: string): void;
  /** Any NOTIFY may have been missed (reconnected). */
  missed(): void;
}

export class WakeupListener implements Service {
  readonly name = 'wakeup-listener';
  readonly #store: () => Promise<Store>;
  readonly #targets: WakeupTargets;
  #unlisten: (() => Promise<void>) | null = null;
  #starting: Promise<void> | null = null;

  constructor(store: () => Promise<Store>, targets: WakeupTargets) {
    this.#store = store;
    this.#targets = targets;
  }

  start(): Promise<void> {
    this.#starting ??= (async () => {
      if (this.#unlisten) return;
      const targets = this.#targets;
      this.#unlisten = await (await this.#store()).listen({
        ready: (queue) => targets.wake(queue),
        cancelled: (jobId) => targets.cancelled(jobId),
        reconnected: () => {
          targets.wake();
          targets.missed();
        },
      });
    })().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async stop(): Promise<void> {
    await this.#starting?.catch(() => {});
    const unlisten = this.#unlisten;
    this.#unlisten = null;
    await unlisten?.();
  }
}
