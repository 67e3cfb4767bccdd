/**
 * Declaring schedules: `defineSchedule` (in code) and the checks every schedule passes before it is
 * stored, whether it comes from code, the API or the CLI. A bad field throws a ValidationError
 * naming it, and nothing is written.
 */
import { ValidationError } from '../core/errors.ts';
import { type AnyJobDefinition, assertName } from '../core/job-definition.ts';
import type { MissedPolicy, OverlapPolicy, ScheduleRow } from '../store/schedule-store.ts';
import { assertTimeZone, compileCron } from './cron-schedule.ts';

export type { MissedPolicy, OverlapPolicy, ScheduleSource } from '../store/schedule-store.ts';

/** A schedule: enqueue `job` with `payload` at every fire of `cron` in `timezone`. */
export interface ScheduleDefinition {
  /** Unique name, e.g. `ics-sync` or, one per tenant, `relowisa:{tenantId}` (letters, digits, `_.:-`). */
  name: string;
  /** The job to enqueue (a definition, or its registered name); its queue is used. */
  job: AnyJobDefinition | string;
  /** 5 fields (`0 2 * * *`), 6 with seconds first, or `@hourly`/`@daily`/`@weekly`/`@monthly`/`@yearly`. */
  cron: string;
  /** IANA time zone the cron is read in (default `UTC`). */
  timezone?: string;
  /** The job's payload (default `{}`), checked against its schema when the schedule is saved. */
  payload?: unknown;
  /** The tenant the enqueued jobs belong to (per-tenant schedules). */
  tenantId?: string;
  /** Fires missed while no scheduler ran (default `'runOnce'`). */
  missed?: MissedPolicy;
  /** A fire while the previous run is unfinished (default `'skip'`). */
  overlap?: OverlapPolicy;
  /** Also enqueue once when the scheduler starts (one run per start window across processes). */
  runOnStart?: boolean;
  /** Create it paused (only when the schedule is new). */
  paused?: boolean;
}

/** A stored schedule, with its next fire times. */
export interface ScheduleInfo extends Omit<ScheduleRow, 'jobName'> {
  job: string;
  /** The next fire times (`fireTimes` of them; none while paused). */
  nextFireTimes: Date[];
}

export const MAX_CATCH_UP = 1_000;

/** Declares a schedule in code (pass it to `createConveyor({ schedules })`); checks its fields. */
export function defineSchedule(definition: ScheduleDefinition): ScheduleDefinition {
  const jobName = typeof definition?.job === 'string' ? definition.job : definition?.job?.name;
  checkScheduleFields({ ...definition, job: jobName ?? '' }, 'defineSchedule');
  return Object.freeze({ ...definition });
}

/**
 * One schedule per tenant from a template: names are `${template.name}:${tenantId}`, and each
 * tenant may override its cron, time zone and payload (Arda's per-tenant ReLoWiSa at 02:00 local).
 */
export function tenantSchedules(
  template: Omit<ScheduleDefinition, 'tenantId'>,
  tenants: { tenantId: string; cron?: string; timezone?: string; payload?: unknown }[],
): ScheduleDefinition[] {
  return tenants.map((tenant) =>
    defineSchedule({
      ...template,
      name: `${template.name}:${tenant.tenantId}`,
      tenantId: tenant.tenantId,
      ...(tenant.cron !== undefined ? { cron: tenant.cron } : {}),
      ...(tenant.timezone !== undefined ? { timezone: tenant.timezone } : {}),
      ...(tenant.payload !== undefined ? { payload: tenant.payload } : {}),
    }),
  );
}

export function parseMissed(value: unknown, field: string): MissedPolicy {
  if (value === 'skip' || value === 'runOnce') return value;
  if (value && typeof value === 'object' && 'catchUp' in value) {
    const n = (value as { catchUp: unknown }).catchUp;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_CATCH_UP) return { catchUp: n };
    throw new ValidationError(`${field}.catchUp`, `must be a whole number from 1 to ${MAX_CATCH_UP}`);
  }
  throw new ValidationError(
    field,
    `must be 'skip', 'runOnce' or { catchUp: N }, got ${JSON.stringify(value)}`,
  );
}

export function parseOverlap(value: unknown, field: string): OverlapPolicy {
  if (value === 'skip' || value === 'allow' || value === 'queue') return value;
  throw new ValidationError(field, `must be 'skip', 'allow' or 'queue', got ${JSON.stringify(value)}`);
}

/** The checks that need no job registry: name, cron, zone, tenant, policies. */
export function checkScheduleFields(
  definition: Omit<ScheduleDefinition, 'job'> & { job: string },
  path: string,
): void {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  if (!definition || typeof definition !== 'object')
    throw new ValidationError(path || 'schedule', 'must be an object');
  assertName(definition.name, at('name'));
  if (typeof definition.job !== 'string' || definition.job.length === 0) {
    throw new ValidationError(at('job'), 'must be a job definition (defineJob) or a registered job name');
  }
  const timezone = assertTimeZone(definition.timezone ?? 'UTC', at('timezone'));
  compileCron(definition.cron, timezone, at('cron'));
  if (
    definition.tenantId !== undefined &&
    (typeof definition.tenantId !== 'string' || !definition.tenantId)
  ) {
    throw new ValidationError(at('tenantId'), 'must be a non-empty string');
  }
  if (definition.missed !== undefined) parseMissed(definition.missed, at('missed'));
  if (definition.overlap !== undefined) parseOverlap(definition.overlap, at('overlap'));
  for (const flag of ['runOnStart', 'paused'] as const) {
    if (definition[flag] !== undefined && typeof definition[flag] !== 'boolean') {
      throw new ValidationError(at(flag), 'must be true or false');
    }
  }
}
