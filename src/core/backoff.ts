import { type Duration, parseDuration } from './duration.ts';
import { ValidationError } from './errors.ts';
import { describeValue } from './thrown-value.ts';

/**
 * How long to wait before retrying. `fixed` waits `delay` every time; `exponential` waits
 * `delay × factor^(attempt-1)` (`factor` default 2; the event bus's subscribers use 4: 1 s, 4 s, 16 s). Both are capped by `maxDelay`; `jitter` (0–1) shortens each wait by up to
 * that fraction at random so retries of many jobs do not arrive together. A function computes the
 * delay itself (definition defaults only: functions cannot be stored with a job).
 */
export type BackoffOption =
  | { type: 'fixed' | 'exponential'; delay: Duration; maxDelay?: Duration; jitter?: number; factor?: number }
  | BackoffFunction;

export type BackoffFunction = (attempt: number, error: unknown) => number;

/** The stored form of a backoff option. */
export interface BackoffPolicy {
  type: 'fixed' | 'exponential';
  delayMs: number;
  maxDelayMs: number | null;
  jitter: number;
  /** Growth per attempt of `exponential` (absent: 2). */
  factor?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  type: 'exponential',
  delayMs: 1_000,
  maxDelayMs: 3_600_000,
  jitter: 0,
};

const BACKOFF_KEYS = new Set(['type', 'delay', 'maxDelay', 'jitter', 'factor']);

/** Validates a backoff object into its stored form; errors name `field` (e.g. `options.backoff`). */
export function normalizeBackoff(
  option: Exclude<BackoffOption, BackoffFunction>,
  field: string,
): BackoffPolicy {
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new ValidationError(
      field,
      'must be { type: "fixed" | "exponential", delay, maxDelay?, jitter?, factor? } or a function (attempt, error) => ms',
    );
  }
  const unknown = Object.keys(option).filter((key) => !BACKOFF_KEYS.has(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      `${field}.${unknown[0]}`,
      'is not a backoff option; use type, delay, maxDelay, jitter and factor',
    );
  }
  if (option.type !== 'fixed' && option.type !== 'exponential') {
    throw new ValidationError(
      `${field}.type`,
      `must be "fixed" or "exponential", got ${describeValue(option.type).slice(0, 60)}`,
    );
  }
  const jitter = option.jitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new ValidationError(
      `${field}.jitter`,
      `must be a number from 0 to 1, got ${describeValue(jitter).slice(0, 60)}`,
    );
  }
  const factor = option.factor;
  if (factor !== undefined && (typeof factor !== 'number' || !(factor >= 1 && factor <= 100))) {
    throw new ValidationError(
      `${field}.factor`,
      `must be a number from 1 to 100, got ${describeValue(factor).slice(0, 60)}`,
    );
  }
  return {
    type: option.type,
    delayMs: parseDuration(option.delay, `${field}.delay`),
    maxDelayMs: option.maxDelay === undefined ? null : parseDuration(option.maxDelay, `${field}.maxDelay`),
    jitter,
    ...(factor === undefined || factor === 2 ? {} : { factor }),
  };
}

/** Milliseconds to wait after failed attempt number `attempt` (1-based). */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const factor = typeof policy.factor === 'number' && policy.factor >= 1 ? policy.factor : 2;
  const base = policy.type === 'fixed' ? policy.delayMs : policy.delayMs * factor ** Math.max(0, attempt - 1);
  const capped = policy.maxDelayMs === null ? base : Math.min(base, policy.maxDelayMs);
  return Math.round(capped * (1 - policy.jitter * random()));
}
