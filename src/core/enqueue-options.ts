import { z } from 'zod';
import { type BackoffOption, type BackoffPolicy, normalizeBackoff } from './backoff.ts';
import { type Duration, parseDuration } from './duration.ts';
import { PayloadTooLargeError, ValidationError } from './errors.ts';
import type { AnyJobDefinition } from './job-definition.ts';
import { parseWith } from './validation.ts';

/** Per-call options of `enqueue`. Anything unset falls back to the job definition's defaults. */
export interface EnqueueOptions {
  /** Run no earlier than this long from now. */
  delay?: Duration;
  /** Run no earlier than this instant (exclusive with `delay`). */
  runAt?: Date;
  /** Lower runs first within a queue (0 is the default and the most urgent; 1 runs before 5). */
  priority?: number;
  /** Total attempts including the first. */
  attempts?: number;
  backoff?: Exclude<BackoffOption, (...args: never[]) => unknown>;
  timeout?: Duration;
  /**
   * Deduplicates enqueues: while a job with this key is unfinished (or, with `uniqueFor`, for that
   * long after its enqueue), enqueueing the key again returns the existing job instead.
   */
  uniqueKey?: string;
  uniqueFor?: Duration;
  tenantId?: string;
  /** Flow-control group; defaults to `tenantId`. */
  groupKey?: string;
  metadata?: Record<string, unknown>;
}

/** A validated job ready for the store. */
export interface NewJob {
  queue: string;
  name: string;
  payload: unknown;
  priority: number;
  runAt: Date;
  maxAttempts: number;
  backoff: BackoffPolicy | null;
  timeoutMs: number | null;
  tenantId: string | null;
  groupKey: string | null;
  uniqueKey: string | null;
  uniqueUntil: Date | null;
  metadata: Record<string, unknown> | null;
}

const durationSchema = z.union([z.number(), z.string()]);
const optionsSchema = z.strictObject({
  delay: durationSchema.optional(),
  runAt: z.date({ error: 'must be a Date' }).optional(),
  priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  attempts: z.number().int().min(1).max(1_000).optional(),
  backoff: z
    .strictObject({
      type: z.enum(['fixed', 'exponential']),
      delay: durationSchema,
      maxDelay: durationSchema.optional(),
      jitter: z.number().min(0).max(1).optional(),
    })
    .optional(),
  timeout: durationSchema.optional(),
  uniqueKey: z.string().min(1).max(512).optional(),
  uniqueFor: durationSchema.optional(),
  tenantId: z.string().min(1).max(256).optional(),
  groupKey: z.string().min(1).max(256).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export interface PrepareContext {
  now: Date;
  maxPayloadBytes: number;
  /** Prefix for field names in errors, e.g. `payloads[3]` in a bulk enqueue. */
  path?: string;
}

/**
 * Validates a payload and options against a definition and resolves defaults. Throws a
 * ValidationError (naming the field) or PayloadTooLargeError; has no side effects.
 */
export function prepareJob(
  definition: AnyJobDefinition,
  payload: unknown,
  options: EnqueueOptions | undefined,
  context: PrepareContext,
): NewJob {
  const at = context.path ? `${context.path}.` : '';
  const opts = parseWith(optionsSchema, options ?? {}, `${at}options`);
  const value = definition.schema ? parseWith(definition.schema, payload, `${at}payload`) : payload;
  if (value === undefined) throw new ValidationError(`${at}payload`, 'is required (use null or {} for none)');
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  if (bytes > context.maxPayloadBytes) throw new PayloadTooLargeError(bytes, context.maxPayloadBytes);

  if (opts.delay !== undefined && opts.runAt !== undefined) {
    throw new ValidationError(`${at}options.delay`, 'give either delay or runAt, not both');
  }
  const defaults = definition.defaults;
  const delayMs = opts.delay === undefined ? 0 : parseDuration(opts.delay, `${at}options.delay`);
  const runAt = opts.runAt ?? new Date(context.now.getTime() + delayMs);
  if (Number.isNaN(runAt.getTime())) throw new ValidationError(`${at}options.runAt`, 'is an invalid Date');

  const backoffOption = opts.backoff ?? defaults.backoff;
  const backoff =
    backoffOption === undefined || typeof backoffOption === 'function'
      ? null
      : normalizeBackoff(backoffOption, opts.backoff ? `${at}options.backoff` : 'defaults.backoff');
  const timeout = opts.timeout ?? defaults.timeout;
  const uniqueFor = opts.uniqueFor ?? defaults.uniqueFor;
  const uniqueKey = opts.uniqueKey ?? null;
  if (uniqueFor !== undefined && opts.uniqueFor !== undefined && uniqueKey === null) {
    throw new ValidationError(`${at}options.uniqueFor`, 'needs a uniqueKey to apply to');
  }
  const tenantId = opts.tenantId ?? null;

  return {
    queue: definition.queue,
    name: definition.name,
    payload: value,
    priority: opts.priority ?? defaults.priority ?? 0,
    runAt,
    maxAttempts: opts.attempts ?? defaults.attempts ?? 3,
    backoff,
    timeoutMs: timeout === undefined ? null : parseDuration(timeout, `${at}options.timeout`),
    tenantId,
    groupKey: opts.groupKey ?? tenantId,
    uniqueKey,
    uniqueUntil:
      uniqueKey !== null && uniqueFor !== undefined
        ? new Date(context.now.getTime() + parseDuration(uniqueFor, `${at}options.uniqueFor`))
        : null,
    metadata: opts.metadata ?? null,
  };
}
