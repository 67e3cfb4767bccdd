/**
 * When a user's next digest is due, in their IANA time zone: `hourly` at the top of each local
 * hour, `daily` at `deliveryHour`:00 local (croner, as the scheduler uses it). Computed from the
 * wall clock of the zone every time, so a daily 08:00 digest is at 08:00 local on both sides of a
 * DST change, and +05:30 / +05:45 zones get their own instants (08:00 Kathmandu = 02:15 UTC).
 *
 * Invariant: the next time is always strictly after `after` (the run's now), so a user claimed
 * after an outage of any length is due once, not once per missed period.
 */
import { ValidationError } from '../core/errors.ts';
import { assertTimeZone, compileCron } from '../scheduler/cron-schedule.ts';
import type { DigestFrequency } from '../store/notification-store.ts';

export const DIGEST_FREQUENCIES: readonly DigestFrequency[] = ['immediate', 'hourly', 'daily'];

export interface DigestSettings {
  frequency: DigestFrequency;
  /** Local hour of a daily digest, 0–23 (default 8, the seed's). */
  deliveryHour: number;
  timeZone: string;
}

/** The first digest time strictly after `after`; null for `immediate` (no digest). */
export function nextDigestAt(settings: DigestSettings, after: Date): Date | null {
  if (settings.frequency === 'immediate') return null;
  const pattern = settings.frequency === 'hourly' ? '0 * * * *' : `0 ${settings.deliveryHour} * * *`;
  const next = compileCron(pattern, settings.timeZone, 'digest').next(after);
  if (!next) throw new Error(`no next digest time for ${pattern} in ${settings.timeZone}`);
  return next;
}

/** Checks digest settings; errors name `field`. */
export function assertDigestSettings(value: unknown, field: string): DigestSettings {
  const v = (value ?? {}) as Record<string, unknown>;
  const frequency = v.frequency ?? 'immediate';
  if (!DIGEST_FREQUENCIES.includes(frequency as DigestFrequency)) {
    throw new ValidationError(`${field}.frequency`, `must be one of ${DIGEST_FREQUENCIES.join(', ')}`);
  }
  const deliveryHour = v.deliveryHour ?? 8;
  if (!Number.isInteger(deliveryHour) || (deliveryHour as number) < 0 || (deliveryHour as number) > 23) {
    throw new ValidationError(`${field}.deliveryHour`, 'must be a whole hour from 0 to 23 (local time)');
  }
  const timeZone = assertTimeZone(v.timeZone ?? 'UTC', `${field}.timeZone`);
  return { frequency: frequency as DigestFrequency, deliveryHour: deliveryHour as number, timeZone };
}
