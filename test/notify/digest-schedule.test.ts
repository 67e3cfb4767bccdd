/**
 * Digest times in the user's time zone: a daily 08:00 digest is at 08:00 local on both sides of
 * America/New_York's DST changes (8 March and 1 November 2026), Asia/Kolkata (+05:30) and
 * Asia/Kathmandu (+05:45) get their own instants, hourly digests follow local hours, and the next
 * time is always after the given instant however far behind it (an outage) the last one was.
 */
import { describe, expect, it } from 'vitest';
import { nextDigestAt } from '../../src/notify/index.ts';

const daily = (timeZone: string, deliveryHour = 8) => ({
  frequency: 'daily' as const,
  deliveryHour,
  timeZone,
});
const at = (iso: string) => new Date(iso);

describe('digest times in the user’s time zone', () => {
  it('America/New_York 08:00 across the March 2026 change (EST → EDT)', () => {
    const ny = daily('America/New_York');
    expect(nextDigestAt(ny, at('2026-03-07T12:00:00Z'))?.toISOString()).toBe('2026-03-07T13:00:00.000Z');
    expect(nextDigestAt(ny, at('2026-03-07T13:00:00Z'))?.toISOString()).toBe('2026-03-08T12:00:00.000Z');
    expect(nextDigestAt(ny, at('2026-03-08T12:00:00Z'))?.toISOString()).toBe('2026-03-09T12:00:00.000Z');
  });

  it('America/New_York 08:00 across the November 2026 change (EDT → EST)', () => {
    const ny = daily('America/New_York');
    expect(nextDigestAt(ny, at('2026-10-31T12:00:00Z'))?.toISOString()).toBe('2026-11-01T13:00:00.000Z');
    expect(nextDigestAt(ny, at('2026-11-01T13:00:00Z'))?.toISOString()).toBe('2026-11-02T13:00:00.000Z');
  });

  it('hourly in New York skips the hour that does not exist on 8 March', () => {
    const hourly = { frequency: 'hourly' as const, deliveryHour: 8, timeZone: 'America/New_York' };
    // 01:30 EST → 03:00 EDT (02:00 local never happens).
    expect(nextDigestAt(hourly, at('2026-03-08T06:30:00Z'))?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });

  it('Asia/Kolkata (+05:30) and Asia/Kathmandu (+05:45)', () => {
    expect(nextDigestAt(daily('Asia/Kolkata'), at('2026-06-01T00:00:00Z'))?.toISOString()).toBe(
      '2026-06-01T02:30:00.000Z',
    );
    expect(nextDigestAt(daily('Asia/Kathmandu'), at('2026-06-01T00:00:00Z'))?.toISOString()).toBe(
      '2026-06-01T02:15:00.000Z',
    );
    const hourlyKtm = { frequency: 'hourly' as const, deliveryHour: 8, timeZone: 'Asia/Kathmandu' };
    expect(nextDigestAt(hourlyKtm, at('2026-06-01T00:20:00Z'))?.toISOString()).toBe(
      '2026-06-01T01:15:00.000Z',
    );
    const hourlyKol = { frequency: 'hourly' as const, deliveryHour: 8, timeZone: 'Asia/Kolkata' };
    expect(nextDigestAt(hourlyKol, at('2026-06-01T00:20:00Z'))?.toISOString()).toBe(
      '2026-06-01T00:30:00.000Z',
    );
  });

  it('after a 3-day outage the next time is the next one after now, not a missed one', () => {
    const ny = daily('America/New_York');
    expect(nextDigestAt(ny, at('2026-03-11T15:00:00Z'))?.toISOString()).toBe('2026-03-12T12:00:00.000Z');
  });

  it('immediate has no digest', () => {
    expect(nextDigestAt({ frequency: 'immediate', deliveryHour: 8, timeZone: 'UTC' }, new Date())).toBeNull();
  });
});
