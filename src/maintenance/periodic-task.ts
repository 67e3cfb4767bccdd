/**
 * Runs an async task repeatedly: the task returns the delay until its next run. Never overlaps
 * itself; an error is logged and retried after `errorDelayMs`. start() and stop() are idempotent,
 * and stop() waits for a run in progress.
 */
import type { Logger } from 'pino';
import { safeError } from '../log/safe-error.ts';

export class PeriodicTask {
  readonly #name: string;
  readonly #task: () => Promise<number>;
  readonly #log: Logger;
  readonly #errorDelayMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #started = false;

  constructor(name: string, task: () => Promise<number>, log: Logger, errorDelayMs = 1_000) {
    this.#name = name;
    this.#task = task;
    this.#log = log;
    this.#errorDelayMs = errorDelayMs;
  }

  start(initialDelayMs = 0): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule(initialDelayMs);
  }

  /** Runs now unless a run is in progress (then it is already fresh enough). */
  runSoon(delayMs = 0): void {
    if (!this.#started || this.#running) return;
    this.#schedule(delayMs);
  }

  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#running = this.#run();
      },
      Math.max(0, delayMs),
    );
  }

  async #run(): Promise<void> {
    let next = this.#errorDelayMs;
    try {
      next = await this.#task();
    } catch (error) {
      this.#log.warn({ err: safeError(error), task: this.#name }, `${this.#name} failed; retrying`);
    }
    this.#running = null;
    if (this.#started && !this.#timer) this.#schedule(next);
  }
}
