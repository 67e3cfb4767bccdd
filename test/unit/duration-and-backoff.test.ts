import { describe, expect, it } from 'vitest';
import { backoffDelay, normalizeBackoff } from '../../src/core/backoff.ts';
import { parseDuration } from '../../src/core/duration.ts';
import { ValidationError } from '../../src/core/errors.ts';

describe('parseDuration', () => {
  it('reads numbers as milliseconds and strings with units', () => {
    expect(parseDuration(250, 'x')).toBe(250);
    expect(parseDuration('500ms', 'x')).toBe(500);
    expect(parseDuration('30s', 'x')).toBe(30_000);
    expect(parseDuration('5m', 'x')).toBe(300_000);
    expect(parseDuration('1.5h', 'x')).toBe(5_400_000);
    expect(parseDuration('1d', 'x')).toBe(86_400_000);
  });

  it('names the field and the fix for bad input', () => {
    expect(() => parseDuration('5 minutes', 'options.delay')).toThrow(
      /options\.delay: "5 minutes" is not a duration; use/,
    );
    expect(() => parseDuration(-1, 'options.timeout')).toThrow(ValidationError);
    expect(() => parseDuration(Number.NaN, 'options.timeout')).toThrow(/options\.timeout/);
  });
});

describe('backoff', () => {
  it('waits the same delay with fixed backoff', () => {
    const policy = normalizeBackoff({ type: 'fixed', delay: '2s' }, 'backoff');
    expect([1, 2, 5].map((n) => backoffDelay(policy, n))).toEqual([2_000, 2_000, 2_000]);
  });

  it('doubles with exponential backoff, capped by maxDelay', () => {
    const policy = normalizeBackoff({ type: 'exponential', delay: 100, maxDelay: 500 }, 'backoff');
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([100, 200, 400, 500, 500]);
  });

  it('shortens each wait by at most the jitter fraction', () => {
    const policy = normalizeBackoff({ type: 'fixed', delay: 1_000, jitter: 0.5 }, 'backoff');
    expect(backoffDelay(policy, 1, () => 0)).toBe(1_000);
    expect(backoffDelay(policy, 1, () => 0.999_999)).toBe(500);
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(750);
  });

  it('rejects unknown types and out-of-range jitter by field', () => {
    expect(() => normalizeBackoff({ type: 'linear' as 'fixed', delay: 1 }, 'options.backoff')).toThrow(
      /options\.backoff\.type/,
    );
    expect(() => normalizeBackoff({ type: 'fixed', delay: 1, jitter: 2 }, 'options.backoff')).toThrow(
      /options\.backoff\.jitter/,
    );
  });
});
