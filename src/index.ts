/**
 * Conveyor's public API. Everything not exported here is internal.
 */

export { defineConfig } from './cli/config.ts';
export {
  type Conveyor,
  createConveyor,
  type EnqueuedJob,
  type QueueStats,
  type ReplayTarget,
  type RunResult,
  type TransactionOption,
  type WorkerOptions,
} from './client/conveyor.ts';
export type { ConveyorOptions, QueueOptions, RetentionOptions } from './client/conveyor-options.ts';
export type { BackoffFunction, BackoffOption } from './core/backoff.ts';
export type { Duration } from './core/duration.ts';
export type { EnqueueOptions } from './core/enqueue-options.ts';
export {
  ConveyorError,
  DatabaseUnavailableError,
  JobCancelledError,
  JobTimeoutError,
  MigrationRequiredError,
  PayloadTooLargeError,
  UnknownJobError,
  ValidationError,
  WorkerShutdownError,
} from './core/errors.ts';
export type { AttemptError, JobInfo, JobRecord, JobState } from './core/job.ts';
export {
  type AnyJobDefinition,
  defineJob,
  type JobContext,
  type JobDefaults,
  type JobDefinition,
  type JobInput,
} from './core/job-definition.ts';
export type { LifecycleEventName, LifecycleEvents } from './events/lifecycle-events.ts';
export { createLogger, type Logger } from './log/logger.ts';
export type { PruneReport } from './maintenance/pruner.ts';
export type { JobFilter, SqlExecutor } from './store/store.ts';
export type { Worker } from './worker/worker.ts';
