import type { Logger } from 'pino';
import type { z } from 'zod';
import type { BackoffOption } from './backoff.ts';
import type { Duration } from './duration.ts';
import type { EnqueueOptions } from './enqueue-options.ts';
import { ValidationError } from './errors.ts';
import type { RunningJobInfo } from './job.ts';
import { assertJobDefaults } from './job-limits.ts';

/** Checked by `defineJob` (a bad one throws a ValidationError naming `defineJob.defaults.<field>`). */
export interface JobDefaults {
  /** Total attempts including the first: 1–1,000 (default 3). */
  attempts?: number;
  /** A function that throws or returns anything but a finite number ≥ 0 falls back to the default. */
  backoff?: BackoffOption;
  /** Abort the handler's signal and fail the attempt after this long (at most ~24.8 days). */
  timeout?: Duration;
  /** −1,000,000 to 1,000,000; lower runs first. */
  priority?: number;
  /** Keep the unique key reserved this long after enqueue (default: while the job is unfinished). */
  uniqueFor?: Duration;
}

export interface JobContext<P> {
  payload: P;
  job: RunningJobInfo;
  /** Aborted on timeout, cancellation, or shutdown past the deadline; pass it to fetch, db calls… */
  signal: AbortSignal;
  tenantId: string | null;
  /** A pino logger whose lines carry job id, name, queue, tenant and attempt. */
  log: Logger;
  /**
   * Records progress (any storable JSON value); emits `job:progress`. A value PostgreSQL cannot
   * store rejects with a ValidationError naming it (`progress.note`), writing nothing.
   */
  progress(value: unknown): Promise<void>;
  /** True under `conveyor run --dry-run`: compute and report, but write nothing. */
  dryRun: boolean;
  /**
   * Enqueues a follow-up job on the same Conveyor; its tenant defaults to this job's. Under a dry
   * run nothing is written: it validates, logs, and returns `{ id: null, created: false }`.
   */
  enqueue: EnqueueFromHandler;
}

/** `context.enqueue`: enqueue a registered job from inside a handler. */
export type EnqueueFromHandler = <I, P2, R2>(
  job: JobDefinition<I, P2, R2>,
  payload: I,
  options?: EnqueueOptions,
) => Promise<{ id: string | null; created: boolean }>;

export type JobHandler<P, R> = (context: JobContext<P>) => Promise<R> | R;

/**
 * A registered kind of job. `TInput` is what enqueue accepts, `TPayload` what the handler receives
 * (they differ when the schema transforms or fills defaults), `TResult` what the handler returns.
 */
export interface JobDefinition<TInput = unknown, TPayload = TInput, TResult = unknown> {
  readonly name: string;
  readonly queue: string;
  readonly schema: z.ZodType<TPayload, TInput> | undefined;
  readonly defaults: JobDefaults;
  readonly handler: JobHandler<TPayload, TResult>;
}

/** Any job definition, whatever its payload and result types (registries, lists). */
export interface AnyJobDefinition {
  readonly name: string;
  readonly queue: string;
  readonly schema: z.ZodType | undefined;
  readonly defaults: JobDefaults;
  readonly handler: JobHandler<never, unknown>;
}

/** The payload type `enqueue` accepts for a definition. */
export type JobInput<D> = D extends JobDefinition<infer I, infer _P, infer _R> ? I : never;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function assertName(value: string, field: string): void {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new ValidationError(
      field,
      `${JSON.stringify(value)} is not a valid name; use 1–128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit`,
    );
  }
}

/**
 * Declares a job.
 *
 * @example
 * const sendDigest = defineJob({
 *   name: 'notification-digest',
 *   queue: 'emails',
 *   schema: z.object({ userId: z.string().uuid() }),
 *   defaults: { attempts: 3, backoff: { type: 'exponential', delay: '1s' }, timeout: '30s' },
 *   async handler({ payload, log }) {
 *     log.info({ userId: payload.userId }, 'sending digest');
 *   },
 * });
 */
export function defineJob<S extends z.ZodType, R = unknown>(definition: {
  name: string;
  queue?: string;
  schema: S;
  defaults?: JobDefaults;
  handler: JobHandler<z.output<S>, R>;
}): JobDefinition<z.input<S>, z.output<S>, R>;
export function defineJob<P = unknown, R = unknown>(definition: {
  name: string;
  queue?: string;
  schema?: undefined;
  defaults?: JobDefaults;
  handler: JobHandler<P, R>;
}): JobDefinition<P, P, R>;
export function defineJob(definition: {
  name: string;
  queue?: string;
  schema?: z.ZodType;
  defaults?: JobDefaults;
  handler: JobHandler<unknown, unknown>;
}): JobDefinition<unknown, unknown, unknown> {
  assertName(definition.name, 'defineJob.name');
  const queue = definition.queue ?? 'default';
  assertName(queue, 'defineJob.queue');
  if (typeof definition.handler !== 'function') {
    throw new ValidationError('defineJob.handler', 'must be a function (async ({ payload }) => …)');
  }
  assertJobDefaults(definition.defaults, 'defineJob.defaults');
  return Object.freeze({
    name: definition.name,
    queue,
    schema: definition.schema,
    defaults: { ...definition.defaults },
    handler: definition.handler,
  });
}
