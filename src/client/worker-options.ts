/** Worker options as given to `conveyor.worker()`, validated into the worker's settings. */
import { type Duration, MAX_TIMER, parseDuration } from '../core/duration.ts';
import { ValidationError } from '../core/errors.ts';
import type { WorkerSettings } from '../worker/worker-deps.ts';
import { rejectUnknownKeys } from './conveyor-options.ts';

export interface WorkerOptions {
  /** Queues to take jobs from (default: every queue of the registered jobs). */
  queues?: string[];
  /** Jobs run at once (default 10). */
  concurrency?: number;
  /**
   * Most jobs claimed ahead of free slots (default 500; none for queues with limits). The buffer
   * follows throughput: about 100 ms of work at the recent finish rate, at least `concurrency`
   * (or `prefetch`, if smaller). Larger batches mean fewer statements per job; a crashed process
   * strands at most this many plus its running jobs, which the rescuer returns after the lease.
   */
  prefetch?: number;
  /** Fallback poll when no NOTIFY arrives (default 2s, jittered ±20 %). */
  pollInterval?: Duration;
  /** How long stop() lets running jobs finish before aborting them (default 30s). */
  shutdownTimeout?: Duration;
  /** Stop gracefully on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
}

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

const WORKER_OPTION_KEYS = Object.keys({
  queues: true,
  concurrency: true,
  prefetch: true,
  pollInterval: true,
  shutdownTimeout: true,
  handleSignals: true,
} satisfies Record<keyof WorkerOptions, true>);

export function resolveWorkerSettings(options: WorkerOptions, knownQueues: string[]): WorkerSettings {
  rejectUnknownKeys(options, WORKER_OPTION_KEYS, 'worker.', 'worker options');
  const queues = options.queues ?? knownQueues;
  if (!Array.isArray(queues) || queues.length === 0) {
    throw new ValidationError('worker.queues', 'needs at least one queue');
  }
  for (const queue of queues) {
    if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
      throw new ValidationError('worker.queues', `${JSON.stringify(queue)} is not a valid queue name`);
    }
  }
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new ValidationError(
      'worker.concurrency',
      `must be a whole number from 1 to 10000, got ${concurrency}`,
    );
  }
  const prefetch = options.prefetch ?? 500;
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new ValidationError('worker.prefetch', `must be a whole number ≥ 0, got ${prefetch}`);
  }
  return {
    queues,
    concurrency,
    prefetch,
    pollIntervalMs: parseDuration(options.pollInterval ?? '2s', 'worker.pollInterval', MAX_TIMER),
    shutdownTimeoutMs: parseDuration(options.shutdownTimeout ?? '30s', 'worker.shutdownTimeout', MAX_TIMER),
    handleSignals: options.handleSignals ?? true,
  };
}
