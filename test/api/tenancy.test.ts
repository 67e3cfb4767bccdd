/**
 * Tenant isolation at every route: a credential scoped to `acme` never sees `globex` data (no
 * response of any route contains it), gets 404 for every globex id, name or group it guesses —
 * never 403, never data — and changes nothing of globex's, through single or bulk actions.
 */
import { describe, expect, it } from 'vitest';
import { sql } from '../support/database.ts';
import { useApiFixture } from './api-fixture.ts';
import { routeCalls } from './route-calls.ts';

const api = useApiFixture();
/** Values only globex's records hold (payloads, addresses, cron payloads). */
const GLOBEX_DATA = /globex-(ready|later|dead|done|mail|cron)|ops@globex|"tenantId":"globex"/;

async function untilBulkDone(id: string, key = 'acmeOperator') {
  for (let i = 0; i < 200; i++) {
    const handle = await api.call(key, 'GET', `/bulk/${id}`);
    if (handle.body.status !== 'running') return handle.body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('bulk action did not finish');
}

describe('a tenant-scoped credential', () => {
  it('guessing every id of another tenant, at every route that takes one, gets 404 and changes nothing', async () => {
    const { globex } = api;
    const bulk = await api.call('admin', 'POST', '/jobs/bulk', {
      action: 'promote',
      filter: { ids: [globex.email] },
    });
    const guesses: [string, string, unknown?][] = [];
    for (const id of Object.values(globex)) {
      guesses.push(['GET', `/jobs/${id}`]);
      guesses.push(['GET', `/jobs/${id}/waiting`]);
      for (const action of ['retry', 'replay', 'cancel', 'promote'])
        guesses.push(['POST', `/jobs/${id}/${action}`]);
      guesses.push(['DELETE', `/jobs/${id}`]);
      guesses.push(['PUT', `/jobs/${id}/payload`, { payload: { orderId: 'stolen' } }]);
    }
    guesses.push(['GET', `/bulk/${bulk.body.id}`]);
    guesses.push(['POST', '/queues/work/groups/globex/pause']);
    guesses.push(['POST', '/queues/work/groups/globex/resume']);
    for (const [method, suffix, body] of [
      ['GET', ''],
      ['PATCH', '', { cron: '* * * * *' }],
      ['POST', '/pause'],
      ['POST', '/resume'],
      ['POST', '/fire'],
      ['DELETE', ''],
    ] as const) {
      guesses.push([method, `/schedules/globex-nightly${suffix}`, body]);
    }
    await api.handler.settled();
    const before = await api.snapshot();
    for (const [method, path, body] of guesses) {
      for (const key of ['acmeViewer', 'acmeOperator', 'acmeAdmin']) {
        const response = await api.call(key, method, path, body);
        // Below the route's role: 403 before anything is read (no data); otherwise 404, always.
        const needs = method === 'GET' ? 0 : method === 'DELETE' ? 2 : 1;
        const rank = { acmeViewer: 0, acmeOperator: 1, acmeAdmin: 2 }[key]!;
        const expected = rank < needs ? [403] : [404];
        expect(expected, `${key} ${method} ${path}: ${response.status}`).toContain(response.status);
        expect(response.body.code).toBe(expected[0] === 404 ? 'NOT_FOUND' : 'FORBIDDEN');
        // Only the guessed name may come back (echoed from the request), never a record's data.
        expect(JSON.stringify(response.body)).not.toMatch(GLOBEX_DATA);
      }
    }
    expect(await api.snapshot()).toBe(before);
  });

  it('ids guessed one by one show only its own jobs', async () => {
    const visible: string[] = [];
    for (let id = 1; id <= 12; id++) {
      if ((await api.call('acmeViewer', 'GET', `/jobs/${id}`)).status === 200) visible.push(String(id));
    }
    expect(visible.sort()).toEqual(Object.values(api.acme).sort());
  });

  it('no response of any route mentions another tenant, whatever the filter asks', async () => {
    const calls = [
      // Inbox routes need a user credential (notifications.test.ts covers their tenancy).
      ...routeCalls(api).filter((c) => c.method === 'GET' && !c.unscopedOnly && !c.user),
      { route: 'search by tenant', method: 'GET', path: '/jobs?tenant=globex' },
      {
        route: 'search by payload',
        method: 'GET',
        path: `/jobs?payload=${encodeURIComponent('{"orderId":"globex-dead"}')}`,
      },
      { route: 'completed', method: 'GET', path: '/jobs?state=completed' },
      { route: 'analytics', method: 'GET', path: '/analytics/failures?tenant=globex' },
      { route: 'analytics jobs', method: 'GET', path: '/analytics/jobs?tenant=globex' },
      { route: 'dead letters', method: 'GET', path: '/dead-letters?tenant=globex' },
      { route: 'tenants', method: 'GET', path: '/tenants' },
    ];
    for (const call of calls) {
      const response = await api.call('acmeAdmin', call.method, call.path);
      expect(response.status, call.route).toBe(call.route === 'GET /bulk/{id}' ? 404 : 200);
      expect(JSON.stringify(response.body), call.route).not.toMatch(/globex/);
    }
    const search = await api.call('acmeViewer', 'GET', '/jobs?tenant=globex');
    expect(search.body.items).toEqual([]);
    const counts = await api.call('acmeViewer', 'GET', '/queues');
    const total = counts.body.items.reduce(
      (sum: number, q: { counts: Record<string, number> }) =>
        sum + Object.values(q.counts).reduce((a, b) => a + b, 0),
      0,
    );
    expect(total).toBe(5);
    const overall = await api.call('acmeViewer', 'GET', '/analytics/overall?tenant=globex');
    const everyone = await api.call('viewer', 'GET', '/analytics/overall');
    expect(overall.body.data.completed).toBe(1);
    expect(everyone.body.data.completed).toBe(2);
    const tenants = await api.call('acmeViewer', 'GET', '/tenants');
    expect(tenants.body.items.map((t: { tenantId: string }) => t.tenantId)).toEqual(['acme']);
  });

  it("bulk actions touch its own jobs only, even with another tenant's ids in the filter", async () => {
    const byIds = await api.call('acmeOperator', 'POST', '/jobs/bulk', {
      action: 'cancel',
      filter: { ids: [api.globex.ready, api.globex.scheduled] },
    });
    expect(byIds.status).toBe(202);
    expect(byIds.body.total).toBe(0);
    expect(await untilBulkDone(byIds.body.id)).toMatchObject({ status: 'done', affected: 0 });

    const byState = await api.call('acmeOperator', 'POST', '/jobs/bulk', {
      action: 'retry',
      filter: { state: ['dead'] },
    });
    expect(byState.body.total).toBe(1);
    expect(await untilBulkDone(byState.body.id)).toMatchObject({ status: 'done', affected: 1 });
    const states = await sql<{ id: string; state: string }>(
      api.url,
      'SELECT id::text, state FROM conveyor.jobs WHERE id = ANY($1::bigint[]) ORDER BY id',
      [[api.acme.dead, api.globex.dead, api.globex.ready, api.globex.scheduled]],
    );
    expect(Object.fromEntries(states.map((r) => [r.id, r.state]))).toEqual({
      [api.acme.dead]: 'ready',
      [api.globex.dead]: 'dead',
      [api.globex.ready]: 'ready',
      [api.globex.scheduled]: 'scheduled',
    });
  });

  it('enqueues and creates schedules for its own tenant only; reads its own audit entries only', async () => {
    const other = await api.call('acmeOperator', 'POST', '/jobs', {
      name: 'send-email',
      payload: { to: 'a@b.c' },
      options: { tenantId: 'globex' },
    });
    expect(other.status).toBe(400);
    expect(other.body.field).toBe('body.options.tenantId');
    const own = await api.call('acmeOperator', 'POST', '/jobs', {
      name: 'send-email',
      payload: { to: 'a@b.c' },
    });
    expect(own.status).toBe(201);
    expect((await api.call('viewer', 'GET', `/jobs/${own.body.id}`)).body.job.tenantId).toBe('acme');

    const schedule = await api.call('acmeOperator', 'POST', '/schedules', {
      name: 'steal',
      job: 'work',
      cron: '@daily',
      tenantId: 'globex',
    });
    expect(schedule.status).toBe(400);
    const mine = await api.call('acmeOperator', 'POST', '/schedules', {
      name: 'acme-daily',
      job: 'work',
      cron: '@daily',
    });
    expect(mine.body.tenantId).toBe('acme');

    await api.call('admin', 'POST', `/jobs/${api.globex.email}/cancel`);
    const audit = await api.call('acmeAdmin', 'GET', '/audit?limit=1000');
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect(audit.body.items.every((e: { tenantId: string }) => e.tenantId === 'acme')).toBe(true);
    const all = await api.call('admin', 'GET', '/audit?limit=1000');
    expect(all.body.items.some((e: { target: string }) => e.target === `job:${api.globex.email}`)).toBe(true);
  });
});
