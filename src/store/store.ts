/**
 * The only seam between the engine and storage (DESIGN.md D4). Methods are Noun-Verb, take one
 * params object, and each is backed by one named SQL file in `postgres/queries/`. Time-dependent
 * operations take `now`, so tests drive the clock. No driver type crosses this interface.
 */
import type { JobStore } from './job-store.ts';
import type { QueueStore } from './queue-store.ts';
import type { RunStore } from './run-store.ts';
import type { ScheduleStore } from './schedule-store.ts';
import type { WorkerStore } from './worker-store.ts';

export type * from './job-store.ts';
export type * from './queue-store.ts';
export type * from './run-store.ts';
export type * from './schedule-store.ts';
export type { SqlExecutor } from './sql-executor.ts';
export type { WorkerStore } from './worker-store.ts';

/** The whole seam: each capability adds its slice (jobs, worker leases; later schedules, history…). */
export interface Store extends JobStore, QueueStore, WorkerStore, ScheduleStore, RunStore {
  /** Applies pending migrations under a migration lock; returns the versions applied. */
  migrate(): Promise<number[]>;
  /** Latest applied and latest known migration versions. */
  migrationStatus(): Promise<{ applied: number; latest: number }>;

  /** Subscribes to wake-ups (`ready` carries a queue name) and cancellations (a job id). */
  listen(handlers: {
    ready(queue: string): void;
    cancelled(jobId: string): void;
    reconnected(): void;
  }): Promise<() => Promise<void>>;
  /** Checks the connection; throws DatabaseUnavailableError. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** A human-readable target for messages (never includes a password). */
  readonly description: string;
}
