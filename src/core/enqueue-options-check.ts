/**
 * The shape check of `enqueue` options: known keys only, each of the right type and range, the
 * field named in the error (`options.priority`, `items[3].options.backoff.delay`). Written by hand
 * rather than as a zod schema: zod was ~60 ms of CPU (95 modules) of the library's import, which a
 * cold worker or a cron tick pays every time, and the check runs on every enqueue. Values that need
 * parsing (durations, backoff, storable text) are checked further by prepareJob.
 */
import type { EnqueueOptions } from './enqueue-options.ts';
import { ValidationError } from './errors.ts';
import { assertAttempts, assertPriority } from './job-limits.ts';
import { describeThrown, describeValue } from './thrown-value.ts';

const OPTION_KEYS = new Set([
  'delay',
  'runAt',
  'priority',
  'attempts',
  'backoff',
  'timeout',
  'uniqueKey',
  'uniqueFor',
  'tenantId',
  'groupKey',
  'metadata',
]);
const BACKOFF_KEYS = new Set(['type', 'delay', 'maxDelay', 'jitter']);

function shown(value: unknown): string {
  return describeValue(value).slice(0, 60);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function assertKnownKeys(value: Record<string, unknown>, known: Set<string>, field: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new ValidationError(field, `has an unknown key "${key}"; known keys: ${[...known].join(', ')}`);
    }
  }
}

function assertDuration(value: unknown, field: string): void {
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new ValidationError(field, `must be milliseconds or a duration such as '30s', got ${shown(value)}`);
  }
}

function assertText(value: unknown, maxChars: number, field: string): void {
  if (typeof value !== 'string' || value.length < 1 || value.length > maxChars) {
    throw new ValidationError(field, `must be a string of 1 to ${maxChars} characters, got ${shown(value)}`);
  }
}

function checkBackoff(value: unknown, field: string): void {
  if (!isPlainObject(value)) {
    throw new ValidationError(field, `must be { type: 'fixed' | 'exponential', delay }, got ${shown(value)}`);
  }
  assertKnownKeys(value, BACKOFF_KEYS, field);
  if (value.type !== 'fixed' && value.type !== 'exponential') {
    throw new ValidationError(`${field}.type`, `must be 'fixed' or 'exponential', got ${shown(value.type)}`);
  }
  assertDuration(value.delay, `${field}.delay`);
  if (value.maxDelay !== undefined) assertDuration(value.maxDelay, `${field}.maxDelay`);
  const { jitter } = value;
  if (jitter !== undefined && (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))) {
    throw new ValidationError(`${field}.jitter`, `must be a number from 0 to 1, got ${shown(jitter)}`);
  }
}

function check(options: Record<string, unknown>, field: string): void {
  assertKnownKeys(options, OPTION_KEYS, field);
  const { delay, runAt, priority, attempts, backoff, timeout, uniqueKey, uniqueFor } = options;
  if (delay !== undefined) assertDuration(delay, `${field}.delay`);
  if (runAt !== undefined && !(runAt instanceof Date)) {
    throw new ValidationError(`${field}.runAt`, `must be a Date, got ${shown(runAt)}`);
  }
  if (priority !== undefined) assertPriority(priority, `${field}.priority`);
  if (attempts !== undefined) assertAttempts(attempts, `${field}.attempts`);
  if (backoff !== undefined) checkBackoff(backoff, `${field}.backoff`);
  if (timeout !== undefined) assertDuration(timeout, `${field}.timeout`);
  if (uniqueKey !== undefined) assertText(uniqueKey, 512, `${field}.uniqueKey`);
  if (uniqueFor !== undefined) assertDuration(uniqueFor, `${field}.uniqueFor`);
  if (options.tenantId !== undefined) assertText(options.tenantId, 256, `${field}.tenantId`);
  if (options.groupKey !== undefined) assertText(options.groupKey, 256, `${field}.groupKey`);
  if (options.metadata !== undefined && !isPlainObject(options.metadata)) {
    throw new ValidationError(`${field}.metadata`, `must be an object, got ${shown(options.metadata)}`);
  }
}

/** `options` as EnqueueOptions, or a ValidationError naming the first field that is wrong. */
export function checkEnqueueOptions(options: unknown, field: string): EnqueueOptions {
  if (!isPlainObject(options)) throw new ValidationError(field, `must be an object, got ${shown(options)}`);
  try {
    check(options, field);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    // A getter or Proxy trap that throws while the options are read.
    throw new ValidationError(field, `cannot be read: ${describeThrown(error).message.slice(0, 200)}`);
  }
  return options as EnqueueOptions;
}
