/**
 * When a failed attempt runs again. Total: whatever a custom backoff function does (throws, returns
 * NaN, a negative number, Infinity, a promise), this returns a valid date, logs a warning, and uses
 * the default backoff instead; a stored policy that grows past MAX_DURATION (exponential backoff at
 * attempt 1,000) is capped there, so the retry time is always a date PostgreSQL can store.
 */
import type { Logger } from 'pino';
import { type BackoffFunction, type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from '../core/backoff.ts';
import { MAX_DURATION } from '../core/duration.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';
import { describeValue } from '../core/thrown-value.ts';
import { safeError } from '../log/safe-error.ts';

function customDelay(
  backoff: BackoffFunction,
  attempt: number,
  error: unknown,
  log: Logger | undefined,
  name: string | undefined,
): number | null {
  let returned: unknown;
  try {
    returned = backoff(attempt, error);
  } catch (thrown) {
    log?.warn(
      { job: name, attempt, err: safeError(thrown) },
      'the backoff function threw; using the default backoff',
    );
    return null;
  }
  if (typeof returned === 'number' && Number.isFinite(returned) && returned >= 0) return returned;
  if (typeof (returned as { then?: unknown } | null)?.then === 'function') {
    // An async function's promise: its result comes too late, and a rejection must not go unhandled.
    Promise.resolve(returned).catch(() => {});
  }
  log?.warn(
    { job: name, attempt, returned: describeValue(returned).slice(0, 100) },
    'the backoff function did not return a number of milliseconds ≥ 0; using the default backoff',
  );
  return null;
}

/**
 * When a failed attempt runs again, or null when the job is out of attempts. The job's stored
 * policy wins; otherwise the definition's default (which may be a function); otherwise
 * exponential from 1 s. Never throws.
 */
export function retryAt(
  job: { attempt: number; maxAttempts: number; backoff: BackoffPolicy | null; name?: string },
  definition: AnyJobDefinition | undefined,
  error: unknown,
  now: Date,
  log?: Logger,
): Date | null {
  if (job.attempt >= job.maxAttempts) return null;
  let fallback: unknown;
  try {
    fallback = definition?.defaults.backoff;
  } catch {
    fallback = undefined;
  }
  let delayMs: number | null = null;
  if (job.backoff) delayMs = backoffDelay(job.backoff, job.attempt);
  else if (typeof fallback === 'function')
    delayMs = customDelay(fallback as BackoffFunction, job.attempt, error, log, job.name);
  if (delayMs === null || Number.isNaN(delayMs)) delayMs = backoffDelay(DEFAULT_BACKOFF, job.attempt);
  // Infinity (exponential growth with no maxDelay) and anything past the longest duration: capped.
  const bounded = Math.min(Math.max(0, delayMs), MAX_DURATION.maxMs);
  const base = Number.isFinite(now.getTime()) ? now.getTime() : Date.now();
  return new Date(base + bounded);
}
