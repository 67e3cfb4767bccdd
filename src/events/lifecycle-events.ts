/**
 * Typed, in-process job lifecycle events. Every payload is plain JSON-serializable data (ids,
 * strings, numbers, ISO-able dates), so the same events can later be relayed to other processes
 * (dashboard, realtime gateway) without change. A listener that throws (or an async listener
 * that rejects), whatever it throws, is logged, never rethrown into the engine: a listener's
 * failure must not stop a worker from recording outcomes.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AttemptError, JobInfo, RunningJobInfo } from '../core/job.ts';
import { safeError } from '../log/safe-error.ts';

/**
 * Every event carries the job's public info as `job` (the attempt's events a RunningJobInfo, with
 * its claim time): this is the shape the realtime gateway and the REST API send (docs/operations.md).
 */
export interface LifecycleEvents {
  'job:active': { job: RunningJobInfo; workerId: string };
  'job:progress': { job: RunningJobInfo; progress: unknown };
  'job:completed': { job: RunningJobInfo; result: unknown; durationMs: number };
  /** Every failed attempt, whether it will be retried or not. */
  'job:failed': { job: RunningJobInfo; error: AttemptError; willRetry: boolean };
  'job:retrying': { job: RunningJobInfo; error: AttemptError; retryAt: Date };
  'job:dead': { job: RunningJobInfo; error: AttemptError };
  /**
   * A job whose worker stopped renewing its lease was returned (or, out of attempts, made dead);
   * `job` is as of the lost attempt. `jobId`, `queue`, `name` and `attempt` repeat `job`'s.
   */
  'job:stalled': {
    job: JobInfo;
    jobId: string;
    queue: string;
    name: string;
    attempt: number;
    state: 'ready' | 'dead';
    lostWorker: string;
  };
  /** `conveyor.cancel(id)` or the REST API (single or bulk) cancelled a queued or running job; `jobId` repeats `job.id`. */
  'job:cancelled': { job: JobInfo; jobId: string; previousState: string };
}

export type LifecycleEventName = keyof LifecycleEvents;

export class LifecycleEmitter {
  readonly #emitter = new EventEmitter();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
    this.#emitter.setMaxListeners(0);
  }

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends LifecycleEventName>(event: E, listener: (payload: LifecycleEvents[E]) => void): () => void {
    const wrapped = (payload: LifecycleEvents[E]): void => {
      try {
        const returned: unknown = listener(payload);
        // An async listener's rejection would otherwise be unhandled, which ends the process.
        if (typeof (returned as { then?: unknown } | null)?.then === 'function') {
          Promise.resolve(returned).catch((error: unknown) => this.#threw(event, error));
        }
      } catch (error) {
        this.#threw(event, error);
      }
    };
    this.#emitter.on(event, wrapped);
    return () => this.#emitter.off(event, wrapped);
  }

  /** Logs a listener's failure; the error is described safely (it may be any value, even a Proxy). */
  #threw(event: LifecycleEventName, error: unknown): void {
    try {
      this.#log.error({ err: safeError(error), event }, 'lifecycle event listener threw');
    } catch {
      // A logger that throws must not break the engine either.
    }
  }

  emit<E extends LifecycleEventName>(event: E, payload: LifecycleEvents[E]): void {
    if (this.#emitter.listenerCount(event) > 0) this.#emitter.emit(event, payload);
  }

  /** Resolves with the next event of this kind that satisfies `match` (tests and scripts). */
  once<E extends LifecycleEventName>(
    event: E,
    match: (payload: LifecycleEvents[E]) => boolean = () => true,
  ): Promise<LifecycleEvents[E]> {
    return new Promise((resolve) => {
      const off = this.on(event, (payload) => {
        if (match(payload)) {
          off();
          resolve(payload);
        }
      });
    });
  }
}
