/**
 * Cron expressions with IANA time zones, on croner. Accepts 5 fields (minute precision) or 6
 * (seconds first) and the `@yearly`/`@monthly`/`@weekly`/`@daily`/`@hourly` aliases.
 *
 * Daylight saving: croner (v11) treats a pattern whose second, minute and hour are single values
 * (`30 2 * * *`) as a fixed-time job: in a skipped hour it runs once at the first valid instant
 * after the gap (02:30 → 03:00), and in a repeated hour only on the first occurrence. Patterns with
 * wildcards or steps in those fields (`*\/30 * * * *`) follow real time: they skip instants that do
 * not exist and run in both copies of a repeated hour. test/scheduler/cron.test.ts pins this.
 */
import { Cron } from 'croner';
import { ValidationError } from '../core/errors.ts';

const ALIASES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

export interface CronSchedule {
  /** The first fire strictly after `after`, or null if the pattern never fires again. */
  next(after: Date): Date | null;
  /** The next `count` fires strictly after `after`. */
  nextRuns(count: number, after: Date): Date[];
  /** The fires in (`from` − 1 ms, `to`], newest last, at most the latest `limit`. */
  due(from: Date, to: Date, limit: number): Date[];
}

/** Checks an IANA time zone name (field `field`). */
export function assertTimeZone(timezone: unknown, field = 'timezone'): string {
  if (typeof timezone !== 'string' || timezone.length === 0) {
    throw new ValidationError(field, 'must be an IANA time zone name such as "Europe/Berlin" or "UTC"');
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ValidationError(
      field,
      `"${timezone}" is not a known IANA time zone; use a name such as "Europe/Berlin", "America/New_York" or "UTC"`,
    );
  }
  return timezone;
}

/** Parses and checks a cron expression in a time zone; errors name `field`. */
export function compileCron(expression: unknown, timezone: string, field = 'cron'): CronSchedule {
  if (typeof expression !== 'string' || expression.trim().length === 0) {
    throw new ValidationError(field, 'must be a cron expression such as "0 2 * * *" or "@daily"');
  }
  const pattern = expression.trim().replace(/\s+/g, ' ');
  if (pattern.startsWith('@') && !ALIASES.has(pattern.toLowerCase())) {
    throw new ValidationError(
      field,
      `"${pattern}" is not a known alias; use one of ${[...ALIASES].join(', ')}`,
    );
  }
  assertTimeZone(timezone);
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, mode: '5-or-6-parts', paused: true });
    cron.nextRun(new Date(0));
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw new ValidationError(
      field,
      `"${pattern}" is not a valid cron expression (${reason}); use 5 fields "min hour day month weekday", 6 with seconds first, or an alias like "@daily"`,
    );
  }
  return {
    next: (after) => cron.nextRun(after),
    nextRuns: (count, after) => cron.nextRuns(count, after),
    due(from, to, limit) {
      const latest = cron.previousRuns(limit, new Date(to.getTime() + 1));
      return latest.filter((fire) => fire.getTime() >= from.getTime()).reverse();
    },
  };
}
