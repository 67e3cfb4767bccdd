/**
 * Auth and roles at every route: no credential or a bad one → 401 problem; a role below the
 * route's → 403 and nothing changed; a tenant-scoped credential on a queue-wide or key route →
 * 403; every other credential gets past auth. Failed logins are throttled per address.
 */
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/index.ts';
import { type KeyName, useApiFixture } from './api-fixture.ts';
import { routeCalls } from './route-calls.ts';

const api = useApiFixture();
const RANK = { viewer: 0, operator: 1, admin: 2 } as const;
const KEYS: { key: KeyName; role: keyof typeof RANK; scoped: boolean }[] = [
  { key: 'viewer', role: 'viewer', scoped: false },
  { key: 'acmeViewer', role: 'viewer', scoped: true },
  { key: 'operator', role: 'operator', scoped: false },
  { key: 'acmeOperator', role: 'operator', scoped: true },
  { key: 'acmeAdmin', role: 'admin', scoped: true },
  { key: 'admin', role: 'admin', scoped: false },
];

describe('without a valid credential', () => {
  it('every route, and unknown paths, answer 401 problem+json and change nothing', async () => {
    const before = await api.snapshot();
    const calls = [...routeCalls(api), { route: 'GET /nope', method: 'GET', path: '/nope', body: undefined }];
    for (const call of calls) {
      for (const key of [null, `cvk_0000000000000000_${'0'.repeat(64)}`, 'not-a-key', `${api.keys.admin}x`]) {
        const response = await api.call(key, call.method, call.path, call.body, '10.1.0.1');
        expect(response.status, `${call.route} with ${key}`).toBe(401);
        expect(response.contentType).toBe('application/problem+json');
        expect(response.body.code).toBe('UNAUTHORIZED');
      }
    }
    expect(await api.snapshot()).toBe(before);
  });

  it('a revoked key stops working at once', async () => {
    const created = await api.call('admin', 'POST', '/keys', { name: 'short-lived', role: 'viewer' });
    expect(created.status).toBe(201);
    expect((await api.call(created.body.key, 'GET', '/me')).status).toBe(200);
    expect((await api.call('admin', 'DELETE', `/keys/${created.body.id}`)).status).toBe(200);
    expect((await api.call(created.body.key, 'GET', '/me')).status).toBe(401);
  });

  it('failed logins are rate-limited per address: 429 with Retry-After, other addresses unaffected', async () => {
    const handler = createApiHandler({
      conveyor: api.conveyor,
      auth: {},
      loginThrottle: { max: 3, windowMs: 60_000 },
    });
    const send = (key: string, ip: string) =>
      handler.fetch(
        new Request('http://localhost/api/v1/me', { headers: { authorization: `Bearer ${key}` } }),
        {
          incoming: { socket: { remoteAddress: ip } },
        },
      );
    for (let i = 0; i < 3; i++) expect((await send('cvk_bad', '10.9.9.9')).status).toBe(401);
    const limited = await send(api.keys.admin, '10.9.9.9');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send(api.keys.admin, '10.9.9.10')).status).toBe(200);
  });
});

describe('roles', () => {
  it('a viewer cannot retry and an operator cannot create keys', async () => {
    const before = await api.snapshot();
    const retry = await api.call('viewer', 'POST', `/jobs/${api.globex.dead}/retry`);
    expect(retry.status).toBe(403);
    expect(retry.body.code).toBe('FORBIDDEN');
    expect(retry.body.detail).toMatch(/operator/);
    const key = await api.call('operator', 'POST', '/keys', { name: 'sneaky', role: 'admin' });
    expect(key.status).toBe(403);
    expect(await api.snapshot()).toBe(before);
  });

  // 34 routes × 6 credentials, with a snapshot of the tables around every refusal: give it time.
  it("every route, every role: below the route's role (or scoped on a queue-wide route) 403 and nothing changed; otherwise past auth", {
    timeout: 180_000,
  }, async () => {
    for (const call of routeCalls(api)) {
      for (const { key, role, scoped } of KEYS) {
        const allowed = RANK[role] >= RANK[call.role] && !(scoped && call.unscopedOnly);
        const before = allowed ? null : await api.snapshot();
        const response = await api.call(key, call.method, call.path, call.body);
        if (allowed) {
          expect([401, 403], `${call.route} as ${key}: ${JSON.stringify(response.body)}`).not.toContain(
            response.status,
          );
          expect(response.status, `${call.route} as ${key}`).toBeLessThan(500);
        } else {
          expect(response.status, `${call.route} as ${key}`).toBe(403);
          expect(response.body.code).toBe('FORBIDDEN');
          expect(await api.snapshot(), `${call.route} as ${key} changed something`).toBe(before);
        }
      }
    }
  });

  it('deleting by bulk action needs admin', async () => {
    const response = await api.call('operator', 'POST', '/jobs/bulk', {
      action: 'delete',
      filter: { state: ['dead'] },
    });
    expect(response.status).toBe(403);
  });
});
