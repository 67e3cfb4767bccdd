/**
 * What the dashboard reads: the overview (time series, totals, queues, top tenants), "why is this
 * job waiting?", failures grouped by fingerprint, and the live stream (Server-Sent Events). Every
 * read carries the caller's scope; a tenant-scoped credential naming another tenant gets nothing.
 * Definitions of depth, wait, fingerprint and every waiting reason: docs/api.md.
 */
import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';
import { ValidationError } from '../../core/errors.ts';
import { NotFoundError } from '../api-errors.ts';
import { type ApiRoute, route } from '../api-route.ts';
import { idParams, instant, limit, name } from '../api-schemas.ts';
import { waitingReasons } from '../job-waiting.ts';
import { buildOverview, overviewWindow } from '../overview.ts';

const ISO_START = /^\d{4}-/;

const since = z
  .string()
  .max(40)
  .optional()
  .describe('start: a duration back from `until` (15m, 1h, 24h, 7d) or an ISO date-time (default 24h)');

const duration = z
  .string()
  .max(20)
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)$/, 'must be a duration such as 1m, 5m or 1h');

/** The window's start: an ISO instant, or `until` minus a duration. */
function sinceOf(value: string | undefined, until: Date): Date {
  if (value === undefined) return new Date(until.getTime() - 86_400_000);
  if (ISO_START.test(value)) {
    const parsed = instant.safeParse(value);
    if (!parsed.success) {
      throw new ValidationError('query.since', 'must be a duration (24h) or an ISO date-time with a zone');
    }
    return parsed.data;
  }
  return new Date(until.getTime() - parseDuration(value, 'query.since'));
}

const overviewQuery = z.strictObject({
  since,
  until: instant.optional().describe('end (default now)'),
  bucket: duration
    .optional()
    .describe('bucket size (default: the smallest of 1s…7d giving at most 300 buckets)'),
  queue: name.optional(),
  tenant: name.optional().describe('tenant id (a tenant-scoped credential: its own, or nothing)'),
});

const failuresQuery = z.strictObject({
  since,
  until: instant.optional().describe('end (default now)'),
  queue: name.optional(),
  name: name.optional().describe('job name'),
  tenant: name.optional().describe('tenant id (a tenant-scoped credential: its own, or nothing)'),
  limit: limit(50, 500).describe('groups, 1 to 500 (default 50)'),
});

export const dashboardRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/overview',
    operationId: 'getOverview',
    summary:
      'Time series (attempts completed and failed, wait mean and p95, waiting depth), totals, queues and the 20 most active tenants',
    tag: 'overview',
    role: 'viewer',
    query: overviewQuery,
    async handle({ store, scope, query, now }) {
      const until = query.until ?? now;
      const window = overviewWindow(
        sinceOf(query.since, until),
        until,
        query.bucket === undefined ? undefined : parseDuration(query.bucket, 'query.bucket'),
      );
      const settings = await store.queueList({});
      const body = await buildOverview(
        store,
        {
          scope,
          window,
          ...(query.queue !== undefined ? { queue: query.queue } : {}),
          ...(query.tenant !== undefined ? { tenantId: query.tenant } : {}),
        },
        settings,
        { now },
      );
      return { body };
    },
  }),
  route({
    method: 'get',
    path: '/jobs/{id}/waiting',
    operationId: 'whyJobWaiting',
    summary:
      'Why a job is waiting: pauses, concurrency and rate limits, run time or retry backoff, workers, jobs ahead of it',
    tag: 'jobs',
    role: 'viewer',
    params: idParams,
    errors: [404],
    async handle({ store, scope, params, now }) {
      const job = await store.apiJobGet({ scope, id: params.id });
      if (!job) throw new NotFoundError(`job ${params.id}`);
      const row =
        job.state === 'scheduled' || job.state === 'ready'
          ? await store.apiJobWaiting({ scope, id: params.id, now })
          : null;
      if (!row || (row.state !== 'scheduled' && row.state !== 'ready')) {
        return { body: { jobId: params.id, state: row?.state ?? job.state, waiting: false, reasons: [] } };
      }
      return {
        body: { jobId: params.id, state: row.state, waiting: true, reasons: waitingReasons(row, now) },
      };
    },
  }),
  route({
    method: 'get',
    path: '/failures',
    operationId: 'listFailureGroups',
    summary:
      'Failed attempts grouped by fingerprint (job name + normalised message): attempts, jobs, tenants, dead jobs; GET /jobs?fingerprint= lists the jobs',
    tag: 'failures',
    role: 'viewer',
    query: failuresQuery,
    async handle({ store, scope, query, now }) {
      const until = query.until ?? now;
      const from = sinceOf(query.since, until);
      if (from.getTime() >= until.getTime()) {
        throw new ValidationError('query.since', 'must be before `until` (e.g. since=24h)');
      }
      const groups = await store.apiFailureGroups({
        scope,
        since: from,
        until,
        ...(query.queue !== undefined ? { queue: query.queue } : {}),
        ...(query.name !== undefined ? { name: query.name } : {}),
        ...(query.tenant !== undefined ? { tenantId: query.tenant } : {}),
        limit: query.limit,
      });
      return { body: { since: from, until, groups } };
    },
  }),
  route({
    method: 'get',
    path: '/stream',
    operationId: 'liveStream',
    summary:
      'Server-Sent Events: `counts` (jobs per queue and state, when they change), `jobs` (jobs whose state changed), `: ping` every 15 s',
    tag: 'stream',
    role: 'viewer',
    produces: 'text/event-stream',
    handle: async ({ streams, scope, signal }) => ({ body: null, response: streams.open(scope, signal) }),
  }),
];
