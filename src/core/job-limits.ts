/**
 * The ranges a job's settings must fall in, shared by `defineJob` defaults and enqueue options, so a
 * value is refused where it is written (naming that field) and never reaches the database, whose
 * integer and timestamptz columns would refuse it with a raw error for the whole insert batch.
 */
import { normalizeBackoff } from './backoff.ts';
import { MAX_DURATION, MAX_TIMER, parseDuration } from './duration.ts';
import { ValidationError } from './errors.ts';
import { describeValue } from './thrown-value.ts';

export const MIN_PRIORITY = -1_000_000;
export const MAX_PRIORITY = 1_000_000;
export const MAX_ATTEMPTS = 1_000;

/** Earliest and latest `runAt`: the years 1 to 9999, inside both JavaScript dates and timestamptz. */
export const MIN_RUN_AT_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_RUN_AT_MS = Date.parse('9999-12-31T23:59:59.999Z');

function shown(value: unknown): string {
  return describeValue(value).slice(0, 60);
}

export function assertPriority(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_PRIORITY || value > MAX_PRIORITY) {
    throw new ValidationError(
      field,
      `must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY} (lower runs first), got ${shown(value)}`,
    );
  }
  return value;
}

export function assertAttempts(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ATTEMPTS) {
    throw new ValidationError(
      field,
      `must be a whole number from 1 to ${MAX_ATTEMPTS} (attempts in all, the first included), got ${shown(value)}`,
    );
  }
  return value;
}

/** A job timeout in ms: at most MAX_TIMER. */
export function parseTimeout(value: unknown, field: string): number {
  return parseDuration(value as never, field, MAX_TIMER);
}

/** A unique-key window in ms. */
export function parseUniqueFor(value: unknown, field: string): number {
  return parseDuration(value as never, field, MAX_DURATION);
}

/** Throws unless `ms` is an instant a job may be scheduled at; `field` is blamed. */
export function assertRunAtMs(ms: number, field: string, hint: string): void {
  if (!(ms >= MIN_RUN_AT_MS && ms <= MAX_RUN_AT_MS)) {
    throw new ValidationError(field, hint);
  }
}

const DEFAULT_KEYS = ['attempts', 'backoff', 'timeout', 'priority', 'uniqueFor'];

/**
 * Checks a definition's `defaults` where they are written (`defineJob.defaults.attempts: …`), so
 * a bad default fails at startup rather than at every enqueue with a database error.
 */
export function assertJobDefaults(defaults: unknown, field: string): void {
  if (defaults === undefined) return;
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) {
    throw new ValidationError(field, `must be an object of { ${DEFAULT_KEYS.join(', ')} }`);
  }
  const given = defaults as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!DEFAULT_KEYS.includes(key)) {
      throw new ValidationError(`${field}.${key}`, `is not a job default; use ${DEFAULT_KEYS.join(', ')}`);
    }
  }
  if (given.attempts !== undefined) assertAttempts(given.attempts, `${field}.attempts`);
  if (given.priority !== undefined) assertPriority(given.priority, `${field}.priority`);
  if (given.timeout !== undefined) parseTimeout(given.timeout, `${field}.timeout`);
  if (given.uniqueFor !== undefined) parseUniqueFor(given.uniqueFor, `${field}.uniqueFor`);
  if (given.backoff !== undefined && typeof given.backoff !== 'function') {
    normalizeBackoff(given.backoff as never, `${field}.backoff`);
  }
}
