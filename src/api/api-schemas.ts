/**
 * The zod schemas shared by the routes: ids, names, cursors, limits, dates and the job search
 * filter. Query values arrive as strings and are read here (`limit=20` → 20); every string has a
 * length bound, so no filter can carry an unbounded value to the database.
 */
import { z } from 'zod';
import { JOB_STATES, type JobState } from '../core/job.ts';
import type { JobSearch } from '../store/api-store.ts';

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A job id: digits, within PostgreSQL's bigint. */
export const jobId = z
  .string()
  .regex(/^\d{1,19}$/, 'must be a job id (digits)')
  .refine((value) => !/^\d{1,19}$/.test(value) || BigInt(value) <= MAX_BIGINT, 'is larger than any job id');

/** Names of queues, jobs, tenants, groups, schedules: 1 to 200 characters. */
export const name = z.string().min(1).max(200);

export const limit = (fallback: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be from 1 to ${max}`)
    .optional()
    .transform((n) => n ?? fallback);

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date-time with a zone, e.g. 2026-01-15T09:30:00Z. */
export const instant = z
  .string()
  .regex(ISO_DATE_TIME, 'must be an ISO date-time with a zone, e.g. 2026-01-15T09:30:00Z')
  .transform((value) => new Date(value))
  .refine((date) => !Number.isNaN(date.getTime()), 'is not a valid date');

const stateList = z
  .string()
  .max(200)
  .transform((value) => value.split(',').map((s) => s.trim()))
  .refine(
    (states) => states.every((s) => (JOB_STATES as readonly string[]).includes(s)),
    `must be a comma-separated list of ${JOB_STATES.join(', ')}`,
  )
  .transform((states) => states as JobState[]);

/** A JSON object or array given as a query value (payload containment). */
const jsonQuery = z
  .string()
  .max(4096)
  .transform((text, context) => {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value === 'object' && value !== null) return value;
    } catch {
      // reported below
    }
    context.addIssue({ code: 'custom', message: 'must be a JSON object, e.g. {"orderId":"o_1"}' });
    return z.NEVER;
  });

/** The job search filter, as query parameters (GET /jobs, bulk actions use the same fields as JSON). */
export const searchQueryFields = {
  state: stateList.optional().describe('comma-separated states, e.g. dead,cancelled'),
  queue: name.optional(),
  name: name.optional().describe('job name'),
  tenant: name.optional().describe('tenant id (a tenant-scoped credential sees its own only)'),
  from: instant.optional().describe('created at or after'),
  until: instant.optional().describe('created before'),
  payload: jsonQuery.optional().describe('JSON the payload contains (`@>`), e.g. {"orderId":"o_1"}'),
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'must be a failure fingerprint (16 hex digits, from GET /failures)')
    .optional()
    .describe('jobs with a failed attempt of this failure group (GET /failures)'),
};

export const pageQueryFields = {
  cursor: jobId.optional().describe('the `nextCursor` of the previous page'),
  limit: limit(50, 500).describe('page size, 1 to 500 (default 50)'),
};

export type SearchQuery = {
  state?: JobState[] | undefined;
  queue?: string | undefined;
  name?: string | undefined;
  tenant?: string | undefined;
  from?: Date | undefined;
  until?: Date | undefined;
  payload?: unknown;
  fingerprint?: string | undefined;
};

/** The store's JobSearch from the parsed query fields. */
export function searchOf(query: SearchQuery): JobSearch {
  const search: JobSearch = {};
  if (query.state) search.states = query.state;
  if (query.queue !== undefined) search.queue = query.queue;
  if (query.name !== undefined) search.name = query.name;
  if (query.tenant !== undefined) search.tenantId = query.tenant;
  if (query.from) search.from = query.from;
  if (query.until) search.until = query.until;
  if (query.payload !== undefined) search.payload = query.payload;
  if (query.fingerprint !== undefined) search.fingerprint = query.fingerprint;
  return search;
}

/** The job search filter as a JSON body (bulk actions). */
export const searchBody = z.strictObject({
  state: z
    .array(z.enum(JOB_STATES as [JobState, ...JobState[]]))
    .max(6)
    .optional(),
  queue: name.optional(),
  name: name.optional(),
  tenant: name.optional(),
  from: instant.optional(),
  until: instant.optional(),
  payload: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  fingerprint: searchQueryFields.fingerprint,
  ids: z.array(jobId).min(1).max(10_000).optional(),
});

export type SearchBody = z.output<typeof searchBody>;

export const idParams = z.strictObject({ id: jobId });
export const queueParams = z.strictObject({ queue: name });
export const nameParams = z.strictObject({ name });
