import { ValidationError } from './errors.ts';

/** A duration: milliseconds as a number, or a string such as `500ms`, `30s`, `5m`, `2h`, `1d`. */
export type Duration = number | string;

/** The longest a duration may be, and how an error names that maximum. */
export interface DurationLimit {
  maxMs: number;
  label: string;
}

/**
 * Any duration (delay, unique window, backoff, lease…): 36,500 days. Added to today it stays far
 * inside what both JavaScript dates and PostgreSQL timestamptz hold (a '99999999999999999999d' delay
 * used to make an invalid Date, which the enqueue blamed on runAt).
 */
export const MAX_DURATION: DurationLimit = { maxMs: 36_500 * 86_400_000, label: '36500d (about 100 years)' };

/**
 * A duration a Node.js timer waits for (job timeout): 2^31 − 1 ms. A longer setTimeout fires after
 * 1 ms instead, and the job's timeout_ms column is a 32-bit integer.
 */
export const MAX_TIMER: DurationLimit = {
  maxMs: 2_147_483_647,
  label: '2147483647 ms (about 24.8 days, the longest timer Node.js can set)',
};

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/**
 * Parses a duration into whole milliseconds, at most `limit` (default MAX_DURATION); `field`
 * names the option in the error.
 */
export function parseDuration(value: Duration, field: string, limit: DurationLimit = MAX_DURATION): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(field, `expected a non-negative number of milliseconds, got ${value}`);
    }
    ms = Math.round(value);
  } else {
    const match = typeof value === 'string' ? PATTERN.exec(value.trim()) : null;
    if (!match) {
      const shown = typeof value === 'string' ? `"${value.slice(0, 60)}"` : `a ${typeof value}`;
      throw new ValidationError(
        field,
        `${shown} is not a duration; use milliseconds or e.g. "500ms", "30s", "5m", "2h", "1d"`,
      );
    }
    ms = Math.round(Number(match[1]) * (UNIT_MS[match[2]!] ?? 1));
  }
  if (!(ms <= limit.maxMs)) {
    const shown = typeof value === 'string' ? `"${value.slice(0, 60)}"` : String(value);
    throw new ValidationError(field, `${shown} is longer than the maximum of ${limit.label}`);
  }
  return ms;
}
