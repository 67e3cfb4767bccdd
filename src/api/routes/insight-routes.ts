/**
 * Read-only views: dead letters, analytics (the existing run-history reports), workers, tenants.
 * Analytics and tenant usage take the caller's scope as their tenant filter: a tenant-scoped
 * credential's `tenant` query value is replaced by its own tenant, so no chart or count of another
 * tenant can be asked for.
 */
import { z } from 'zod';
import { scopeTenant } from '../../core/scope.ts';
import type { AnalyticsFilter } from '../../observe/analytics.ts';
import { resolveWindow } from '../../observe/analytics.ts';
import { type ApiRoute, type RouteContext, route } from '../api-route.ts';
import { instant, limit, name, pageQueryFields, searchQueryFields } from '../api-schemas.ts';
import { jobPage } from './job-routes.ts';

const REPORTS = [
  'overall',
  'jobs',
  'workers',
  'failures',
  'error-groups',
  'durations',
  'slowest',
  'throughput',
] as const;
type Report = (typeof REPORTS)[number];

const windowFields = {
  since: z
    .string()
    .max(40)
    .optional()
    .describe('start: an ISO date-time, or a duration back from `until` such as 24h (default 24h)'),
  until: instant.optional().describe('end (default now)'),
};

const analyticsQuery = z.strictObject({
  ...windowFields,
  queue: name.optional(),
  job: name.optional(),
  tenant: name.optional(),
  limit: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a whole number')
    .transform(Number)
    .optional(),
  bucket: z.string().max(20).optional().describe('throughput bucket, e.g. 5m, 1h'),
});

type AnalyticsQuery = z.output<typeof analyticsQuery>;

/** The analytics filter of a query, with the caller's tenant forced when it is scoped. */
function scopedFilter(context: RouteContext<unknown, AnalyticsQuery, unknown>): AnalyticsFilter {
  const { query } = context;
  const tenant = scopeTenant(context.scope) ?? query.tenant;
  const since =
    query.since === undefined ? undefined : /^\d{4}-/.test(query.since) ? new Date(query.since) : query.since;
  return {
    ...(since !== undefined ? { since } : {}),
    ...(query.until ? { until: query.until } : {}),
    ...(query.queue ? { queue: query.queue } : {}),
    ...(query.job ? { name: query.job } : {}),
    ...(tenant !== undefined ? { tenantId: tenant } : {}),
  };
}

async function report(context: RouteContext<{ report: Report }, AnalyticsQuery, unknown>): Promise<unknown> {
  const { analytics } = context.conveyor;
  const filter = scopedFilter(context);
  const limited = context.query.limit === undefined ? filter : { ...filter, limit: context.query.limit };
  switch (context.params.report) {
    case 'overall':
      return analytics.overall(filter);
    case 'jobs':
      return analytics.jobStats(filter);
    case 'workers':
      return analytics.workers(filter);
    case 'failures':
      return analytics.recentFailures(limited);
    case 'error-groups':
      return analytics.errorGroups(limited);
    case 'durations':
      return analytics.durations(filter);
    case 'slowest':
      return analytics.slowest(limited);
    case 'throughput':
      return analytics.throughput(
        context.query.bucket ? { ...filter, bucket: context.query.bucket } : filter,
      );
  }
}

export const insightRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/dead-letters',
    operationId: 'listDeadLetters',
    summary: "Dead jobs with every attempt's error, newest first (the job search, state dead)",
    tag: 'dead-letters',
    role: 'viewer',
    query: z.strictObject({ ...searchQueryFields, ...pageQueryFields }).omit({ state: true }),
    handle: async (context) => ({ body: await jobPage(context, { state: ['dead'] }) }),
  }),
  route({
    method: 'get',
    path: '/analytics/{report}',
    operationId: 'analyticsReport',
    summary:
      'A run-history report: overall, jobs, workers, failures, error-groups, durations, slowest, throughput',
    tag: 'analytics',
    role: 'viewer',
    params: z.strictObject({ report: z.enum(REPORTS) }),
    query: analyticsQuery,
    handle: async (context) => ({ body: { report: context.params.report, data: await report(context) } }),
  }),
  route({
    method: 'get',
    path: '/workers',
    operationId: 'listWorkers',
    summary:
      'Worker processes: host, pid, heartbeat, queues, and the jobs they run now (yours only when scoped)',
    tag: 'workers',
    role: 'viewer',
    handle: async ({ store, scope }) => ({ body: { items: await store.apiWorkerList({ scope }) } }),
  }),
  route({
    method: 'get',
    path: '/tenants',
    operationId: 'listTenants',
    summary:
      'Per tenant: live jobs by state, attempts finished and failed, wait (mean, p95), run time, group settings',
    tag: 'tenants',
    role: 'viewer',
    query: z.strictObject({ ...windowFields, limit: limit(1000, 10000) }),
    async handle({ store, scope, query, now }) {
      const since =
        query.since === undefined
          ? undefined
          : /^\d{4}-/.test(query.since)
            ? new Date(query.since)
            : query.since;
      const window = resolveWindow(
        { ...(since !== undefined ? { since } : {}), ...(query.until ? { until: query.until } : {}) },
        now,
      );
      const items = await store.apiTenantUsage({ scope, since: window.since, until: window.until });
      return { body: { since: window.since, until: window.until, items: items.slice(0, query.limit) } };
    },
  }),
];
