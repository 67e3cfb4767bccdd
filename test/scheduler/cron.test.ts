/** Cron parsing, time zones and both daylight-saving transitions in two zones (croner, pinned). */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.ts';
import { compileCron } from '../../src/scheduler/cron-schedule.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('cron expressions', () => {
  it('reads 5 fields, 6 with seconds, and @-aliases', () => {
    const from = new Date('2025-01-01T00:00:00Z');
    expect(iso(compileCron('*/5 * * * *', 'UTC').nextRuns(2, from))).toEqual([
      '2025-01-01T00:05:00.000Z',
      '2025-01-01T00:10:00.000Z',
    ]);
    expect(iso(compileCron('30 0 2 * * *', 'UTC').nextRuns(1, from))).toEqual(['2025-01-01T02:00:30.000Z']);
    expect(iso(compileCron('@daily', 'UTC').nextRuns(1, from))).toEqual(['2025-01-02T00:00:00.000Z']);
    expect(iso(compileCron('@hourly', 'UTC').nextRuns(1, from))).toEqual(['2025-01-01T01:00:00.000Z']);
  });

  it('reads the cron in its time zone', () => {
    const from = new Date('2025-01-01T00:00:00Z');
    expect(compileCron('0 2 * * *', 'Europe/Berlin').next(from)?.toISOString()).toBe(
      '2025-01-01T01:00:00.000Z',
    );
    expect(compileCron('0 2 * * *', 'America/New_York').next(from)?.toISOString()).toBe(
      '2025-01-01T07:00:00.000Z',
    );
  });

  it('rejects bad expressions and zones with errors naming the field', () => {
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error as ValidationError;
      }
      throw new Error('did not throw');
    };
    expect(fail(() => compileCron('61 * * * *', 'UTC')).field).toBe('cron');
    expect(fail(() => compileCron('* * *', 'UTC')).message).toMatch(/^cron: "\* \* \*" is not a valid cron/);
    expect(fail(() => compileCron('* * * * * * *', 'UTC')).field).toBe('cron');
    expect(fail(() => compileCron('@sometimes', 'UTC')).field).toBe('cron');
    const zone = fail(() => compileCron('0 2 * * *', 'Mars/Olympus'));
    expect(zone).toBeInstanceOf(ValidationError);
    expect(zone.field).toBe('timezone');
  });
});

describe.each([
  // zone, spring-forward day (02:00–03:00 skipped), fall-back day (01:00–02:00 or 02:00–03:00 twice)
  { zone: 'America/New_York', spring: '2025-03-09', fall: '2025-11-02', repeated: '30 1 * * *' },
  { zone: 'Europe/Berlin', spring: '2025-03-30', fall: '2025-10-26', repeated: '30 2 * * *' },
])('daylight saving in $zone', ({ zone, spring, fall, repeated }) => {
  const dayBefore = (day: string) => new Date(new Date(`${day}T12:00:00Z`).getTime() - 86_400_000);
  const localDay = (date: Date) => date.toLocaleDateString('en-CA', { timeZone: zone });
  const localTime = (date: Date) =>
    date.toLocaleTimeString('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' });

  it('runs a 02:30 job once on the day 02:00–03:00 does not exist (at 03:00)', () => {
    const fires = compileCron('30 2 * * *', zone).nextRuns(3, dayBefore(spring));
    const onSpring = fires.filter((d) => localDay(d) === spring);
    expect(onSpring).toHaveLength(1);
    expect(localTime(onSpring[0]!)).toBe('03:00');
    expect(fires.map(localDay)).toEqual([spring, localDay(fires[1]!), localDay(fires[2]!)]);
    expect(new Set(fires.map(localDay)).size).toBe(3);
  });

  it('runs a job in the repeated hour once, on its first occurrence', () => {
    const fires = compileCron(repeated, zone).nextRuns(3, dayBefore(fall));
    const onFall = fires.filter((d) => localDay(d) === fall);
    expect(onFall).toHaveLength(1);
    expect(new Set(fires.map(localDay)).size).toBe(3);
    // The fire after it is a day (plus the extra hour) later, not an hour later.
    expect(fires[1]!.getTime() - onFall[0]!.getTime()).toBe(25 * 3_600_000);
  });

  it('catch-up enumeration (due) agrees with the forward fires across both transitions', () => {
    for (const day of [spring, fall]) {
      const cron = compileCron('30 2 * * *', zone);
      const from = dayBefore(day);
      const forward = cron.nextRuns(3, from);
      expect(iso(cron.due(new Date(from.getTime() + 1), forward[2]!, 10))).toEqual(iso(forward));
    }
  });

  it('an interval job follows real time through the repeated hour', () => {
    const start = new Date(`${fall}T00:00:00Z`);
    const fires = compileCron('0 * * * *', zone).nextRuns(30, new Date(start.getTime() - 86_400_000));
    const onFall = fires.filter((d) => localDay(d) === fall);
    const gaps = fires.slice(1).map((d, i) => d.getTime() - fires[i]!.getTime());
    expect(new Set(gaps)).toEqual(new Set([3_600_000]));
    expect(onFall.length).toBeGreaterThan(0);
  });
});
