/**
 * Turns a schedule definition into the row to store, checking everything against this process's
 * registered jobs (the job exists, the payload passes its schema), and builds the job a fire enqueues.
 */
import { type NewJob, prepareJob } from '../core/enqueue-options.ts';
import { ValidationError } from '../core/errors.ts';
import type { AnyJobDefinition } from '../core/job-definition.ts';
import type { ScheduleRow, ScheduleSource, ScheduleWrite } from '../store/schedule-store.ts';
import { compileCron } from './cron-schedule.ts';
import {
  checkScheduleFields,
  parseMissed,
  parseOverlap,
  type ScheduleDefinition,
} from './schedule-definition.ts';

const DAY_MS = 86_400_000;

export interface ResolveContext {
  definitions: ReadonlyMap<string, AnyJobDefinition>;
  maxPayloadBytes: number;
  now: Date;
}

function jobNameOf(job: ScheduleDefinition['job'] | undefined): string {
  return typeof job === 'string' ? job : (job?.name ?? '');
}

/** Checks a definition completely and returns the row to write; errors name the field under `path`. */
export function resolveSchedule(
  definition: ScheduleDefinition,
  source: ScheduleSource,
  context: ResolveContext,
  path = '',
): ScheduleWrite {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const jobName = jobNameOf(definition?.job);
  checkScheduleFields({ ...definition, job: jobName }, path);
  const job = context.definitions.get(jobName);
  if (!job || (typeof definition.job !== 'string' && definition.job !== job)) {
    const known = [...context.definitions.keys()].join(', ') || '(none registered)';
    throw new ValidationError(at('job'), `job "${jobName}" is not registered; known jobs: ${known}`);
  }
  const timezone = definition.timezone ?? 'UTC';
  const payload = definition.payload === undefined ? {} : definition.payload;
  // The payload must pass the job's schema now, not at 02:00 when nobody is watching.
  prepareJob(job, payload, definition.tenantId ? { tenantId: definition.tenantId } : {}, {
    now: context.now,
    maxPayloadBytes: context.maxPayloadBytes,
    path: path || 'schedule',
  });
  return {
    name: definition.name,
    jobName,
    queue: job.queue,
    cron: definition.cron.trim().replace(/\s+/g, ' '),
    timezone,
    payload,
    tenantId: definition.tenantId ?? null,
    missed: parseMissed(definition.missed ?? 'runOnce', at('missed')),
    overlap: parseOverlap(definition.overlap ?? 'skip', at('overlap')),
    runOnStart: definition.runOnStart ?? false,
    paused: definition.paused ?? false,
    source,
    nextFireAt: compileCron(definition.cron, timezone, at('cron')).next(context.now),
  };
}

/** The definition a stored row corresponds to (for runtime edits). */
export function definitionOf(row: ScheduleRow): ScheduleDefinition {
  return {
    name: row.name,
    job: row.jobName,
    cron: row.cron,
    timezone: row.timezone,
    payload: row.payload,
    ...(row.tenantId !== null ? { tenantId: row.tenantId } : {}),
    missed: row.missed,
    overlap: row.overlap,
    runOnStart: row.runOnStart,
    paused: row.paused,
  };
}

/** The fire key: one job per schedule and fire time, whichever process enqueues it. */
export function fireKey(schedule: string, fireAt: Date): string {
  return `schedule:${schedule}:${fireAt.toISOString()}`;
}

/**
 * The job one fire enqueues. Its unique key is the fire key, held for twice the schedule's period
 * and at least a day: longer than any window in which two processes could both try that fire.
 */
export function fireJob(
  row: ScheduleRow,
  job: AnyJobDefinition,
  key: string,
  fireAt: Date | null,
  context: { now: Date; maxPayloadBytes: number; periodMs: number },
): NewJob {
  return prepareJob(
    job,
    row.payload,
    {
      uniqueKey: key,
      uniqueFor: Math.max(DAY_MS, 2 * context.periodMs),
      ...(row.tenantId !== null ? { tenantId: row.tenantId } : {}),
      metadata: { schedule: row.name, fireAt: fireAt?.toISOString() ?? null },
    },
    { now: context.now, maxPayloadBytes: context.maxPayloadBytes },
  );
}
