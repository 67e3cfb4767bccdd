/**
 * Listens for wake-ups (channel `ready`: a queue has ready jobs) and cancellations (`cancel`) from
 * every process, and hands them to this process's workers. After a lost LISTEN connection is back,
 * NOTIFYs sent meanwhile are gone: every queue is woken once and the promoter looks for due jobs.
 */
import type { Notifier } from './notifier.ts';
import type { Service } from './service.ts';

export interface WakeupTargets {
  wake(queue?: string): void;
  cancelled(jobId: string): void;
  /** Any NOTIFY may have been missed (reconnected). */
  missed(): void;
}

export class WakeupListener implements Service {
  readonly name = 'wakeup-listener';
  readonly #notifier: Notifier;
  readonly #targets: WakeupTargets;
  #unlisten: (() => Promise<void>)[] = [];
  #starting: Promise<void> | null = null;

  constructor(notifier: Notifier, targets: WakeupTargets) {
    this.#notifier = notifier;
    this.#targets = targets;
  }

  start(): Promise<void> {
    this.#starting ??= (async () => {
      if (this.#unlisten.length > 0) return;
      const targets = this.#targets;
      this.#unlisten = [
        await this.#notifier.listen('ready', (queue) => targets.wake(queue), {
          reconnected: () => {
            targets.wake();
            targets.missed();
          },
        }),
        await this.#notifier.listen('cancel', (jobId) => targets.cancelled(jobId)),
      ];
    })().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async stop(): Promise<void> {
    await this.#starting?.catch(() => {});
    const unlisten = this.#unlisten;
    this.#unlisten = [];
    await Promise.all(unlisten.map((stop) => stop()));
  }
}
