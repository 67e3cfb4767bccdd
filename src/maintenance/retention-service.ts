/**
 * A retention service: one pass of deletions every `intervalMs`, the first a second after start,
 * run by the leader of its role (history, events, notification marks). A failed pass is logged by
 * PeriodicTask and tried again at the next interval; stop() waits for a pass in progress.
 */
import type { Logger } from 'pino';
import type { Service } from '../runtime/service.ts';
import { PeriodicTask } from './periodic-task.ts';

export class RetentionService implements Service {
  readonly name: string;
  readonly #task: PeriodicTask;

  constructor(name: string, intervalMs: number, log: Logger, pass: () => Promise<void>) {
    this.name = name;
    this.#task = new PeriodicTask(
      name,
      async () => {
        await pass();
        return intervalMs;
      },
      log,
    );
  }

  async start(): Promise<void> {
    this.#task.start(1_000);
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }
}
