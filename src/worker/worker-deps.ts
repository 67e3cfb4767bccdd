/**
 * What a Worker is given: its settings (resolved from the user's worker options by
 * client/worker-options.ts) and the process's services it runs jobs with.
 */
import type { Logger } from 'pino';
import type { AnyJobDefinition, EnqueueFromHandler } from '../core/job-definition.ts';
import type { LifecycleEmitter } from '../events/lifecycle-events.ts';
import type { Store } from '../store/store.ts';
import type { Worker } from './worker.ts';

export interface WorkerSettings {
  queues: string[];
  concurrency: number;
  prefetch: number;
  pollIntervalMs: number;
  shutdownTimeoutMs: number;
  handleSignals: boolean;
}

export interface WorkerDeps {
  store: Store;
  definitions: ReadonlyMap<string, AnyJobDefinition>;
  events: LifecycleEmitter;
  log: Logger;
  now: () => Date;
  leaseMs: number;
  progress(jobId: string, value: unknown): Promise<void>;
  /** `context.enqueue` for handlers. */
  enqueue: EnqueueFromHandler;
  /** Whether the queue keeps completed runs (retention `completed: false` keeps none). */
  recordsCompleted(queue: string): boolean;
  /** A retry of one of its jobs is due at `runAt`: the process's promoter looks then. */
  retryScheduled(runAt: Date): void;
  /** Called once the worker stops, so the owner can forget it. */
  onStopped(worker: Worker): void;
}
