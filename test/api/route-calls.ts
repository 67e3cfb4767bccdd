/**
 * One valid call of every route of the API, against the fixture's data (acme's ids unless said),
 * with the role it needs and whether a tenant-scoped credential is refused it. The OpenAPI test
 * checks that this table names every operation of the document, so the tests that loop over it
 * cover every route.
 */
import type { ApiFixture } from './api-fixture.ts';

export interface RouteCall {
  /** `METHOD /path/{param}`, as in the OpenAPI document. */
  route: string;
  method: string;
  path: string;
  body?: unknown;
  role: 'viewer' | 'operator' | 'admin';
  unscopedOnly?: boolean;
  /** Needs a user credential (a JWT): an API key gets 400 naming `authorization`. */
  user?: boolean;
}

export function routeCalls(api: ApiFixture): RouteCall[] {
  const { acme } = api;
  const c = (
    route: string,
    path: string,
    role: RouteCall['role'],
    extra: Partial<RouteCall> = {},
  ): RouteCall => ({
    route,
    method: route.split(' ')[0]!,
    path,
    role,
    ...extra,
  });
  return [
    c('GET /queues', '/queues', 'viewer'),
    c('POST /queues/{queue}/pause', '/queues/work/pause', 'operator', { unscopedOnly: true }),
    c('POST /queues/{queue}/resume', '/queues/work/resume', 'operator', { unscopedOnly: true }),
    c('POST /queues/{queue}/groups/{group}/pause', '/queues/work/groups/acme/pause', 'operator'),
    c('POST /queues/{queue}/groups/{group}/resume', '/queues/work/groups/acme/resume', 'operator'),
    c('PATCH /queues/{queue}/limits', '/queues/work/limits', 'admin', {
      unscopedOnly: true,
      body: { globalConcurrency: 5, rateLimit: { max: 10, per: '1s' } },
    }),
    c('GET /jobs', '/jobs?state=dead,ready&queue=work&limit=10', 'viewer'),
    c('GET /jobs/{id}', `/jobs/${acme.dead}`, 'viewer'),
    c('POST /jobs/{id}/retry', `/jobs/${acme.dead}/retry`, 'operator'),
    c('POST /jobs/{id}/replay', `/jobs/${acme.completed}/replay`, 'operator'),
    c('POST /jobs/{id}/cancel', `/jobs/${acme.scheduled}/cancel`, 'operator'),
    c('POST /jobs/{id}/promote', `/jobs/${acme.email}/promote`, 'operator'),
    c('DELETE /jobs/{id}', `/jobs/${acme.completed}`, 'admin'),
    c('PUT /jobs/{id}/payload', `/jobs/${acme.ready}/payload`, 'operator', {
      body: { payload: { orderId: 'acme-edited' } },
    }),
    c('POST /jobs', '/jobs', 'operator', {
      body: { name: 'send-email', payload: { to: 'ops@acme.test' }, dryRun: true },
    }),
    c('POST /jobs/bulk', '/jobs/bulk', 'operator', {
      body: { action: 'retry', filter: { state: ['dead'] } },
    }),
    c('GET /bulk/{id}', '/bulk/1', 'viewer'),
    c('GET /me', '/me', 'viewer'),
    c('GET /keys', '/keys', 'admin', { unscopedOnly: true }),
    c('POST /keys', '/keys', 'admin', { unscopedOnly: true, body: { name: 'ci', role: 'viewer' } }),
    c('DELETE /keys/{id}', `/keys/${api.spareKeyId}`, 'admin', { unscopedOnly: true }),
    c('GET /audit', '/audit?limit=20', 'admin'),
    c('GET /schedules', '/schedules', 'viewer'),
    c('GET /schedules/{name}', '/schedules/acme-nightly', 'viewer'),
    c('POST /schedules', '/schedules', 'operator', {
      body: { name: 'acme-hourly', job: 'work', cron: '@hourly', payload: { orderId: 'h' } },
    }),
    c('PATCH /schedules/{name}', '/schedules/acme-nightly', 'operator', { body: { cron: '0 4 * * *' } }),
    c('POST /schedules/{name}/pause', '/schedules/acme-nightly/pause', 'operator'),
    c('POST /schedules/{name}/resume', '/schedules/acme-nightly/resume', 'operator'),
    c('POST /schedules/{name}/fire', '/schedules/acme-nightly/fire', 'operator'),
    c('DELETE /schedules/{name}', '/schedules/acme-nightly', 'admin'),
    c('GET /dead-letters', '/dead-letters?queue=work', 'viewer'),
    c('GET /analytics/{report}', '/analytics/overall?since=24h', 'viewer'),
    c('GET /workers', '/workers', 'viewer'),
    c('GET /tenants', '/tenants', 'viewer'),
    c('GET /openapi.json', '/openapi.json', 'viewer'),
    c('GET /overview', '/overview?since=24h', 'viewer'),
    c('GET /jobs/{id}/waiting', `/jobs/${acme.ready}/waiting`, 'viewer'),
    c('GET /failures', '/failures?since=24h&limit=10', 'viewer'),
    c('GET /stream', '/stream', 'viewer'),
    c('GET /events', '/events?tenant=acme&limit=10', 'viewer'),
    c('GET /events/lag', '/events/lag', 'viewer'),
    c('POST /events/replay', '/events/replay', 'operator', {
      body: {
        subscriber: 'order-audit',
        tenant: 'acme',
        since: new Date(Date.now() - 3_600_000).toISOString(),
        until: new Date(Date.now() + 60_000).toISOString(),
      },
    }),
    c('GET /notifications', '/notifications', 'viewer', { user: true }),
    c('GET /notifications/unread-count', '/notifications/unread-count', 'viewer', { user: true }),
    c('POST /notifications/read', '/notifications/read', 'viewer', { user: true, body: { all: true } }),
    c('POST /notifications/archive', '/notifications/archive', 'viewer', {
      user: true,
      body: { ids: [api.notices.acme] },
    }),
  ];
}
