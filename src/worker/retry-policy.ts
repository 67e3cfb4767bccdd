import { type BackoffFunction, type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from '../core/backoff.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';

/**
 * When a failed attempt runs again, or null when the job is out of attempts. The job's stored
 * policy wins; otherwise the definition's default (which may be a function); otherwise
 * exponential from 1 s.
 */
export function retryAt(
  job: { attempt: number; maxAttempts: number; backoff: BackoffPolicy | null },
  definition: AnyJobDefinition | undefined,
  error: unknown,
  now: Date,
): Date | null {
  if (job.attempt >= job.maxAttempts) return null;
  const fallback = definition?.defaults.backoff;
  let delayMs: number;
  if (job.backoff) delayMs = backoffDelay(job.backoff, job.attempt);
  else if (typeof fallback === 'function')
    delayMs = Math.max(0, Number((fallback as BackoffFunction)(job.attempt, error)) || 0);
  else delayMs = backoffDelay(DEFAULT_BACKOFF, job.attempt);
  return new Date(now.getTime() + delayMs);
}
