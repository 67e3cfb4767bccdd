/**
 * Browser sessions and the dashboard's static files, through the API's Fetch handler: logging in
 * with a key sets an HttpOnly SameSite=Strict cookie; the cookie authenticates like the key (same
 * principal in the audit log) but a mutation needs the CSRF token; bad keys count against the
 * login throttle; one-time codes work once; logout and key revocation end a session; the app shell
 * is the only thing served without a credential.
 */
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/index.ts';
import { sql } from '../support/database.ts';
import { useApiFixture } from './api-fixture.ts';

const api = useApiFixture();
const ENV = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

interface Sent {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field.
  body: any;
  text: string;
}

async function send(
  handler: { fetch(request: Request, env?: unknown): Response | Promise<Response> },
  method: string,
  path: string,
  options: {
    cookie?: string;
    csrf?: string;
    body?: unknown;
    ip?: string;
    bearer?: string;
    https?: boolean;
  } = {},
): Promise<Sent> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await handler.fetch(
    new Request(`${options.https ? 'https' : 'http'}://localhost${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    }),
    ENV(options.ip ?? '10.1.0.1'),
  );
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body, text };
}

const cookieOf = (sent: Sent): string => sent.headers.get('set-cookie')!.split(';')[0]!;

describe('sessions', () => {
  it('logs in with an API key: an HttpOnly SameSite=Strict cookie, role, tenant and a CSRF token', async () => {
    const login = await send(api.handler, 'POST', '/api/v1/session', {
      body: { key: api.keys.acmeOperator },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ role: 'operator', tenantId: 'acme' });
    expect(login.body.csrfToken).toMatch(/^[\w-]{40,}$/);
    expect(login.text).not.toContain(api.keys.acmeOperator);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(
      /^conveyor_session=[\w-]{40,}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const https = await send(api.handler, 'POST', '/api/v1/session', {
      body: { key: api.keys.viewer },
      https: true,
    });
    expect(https.headers.get('set-cookie')).toContain('; Secure');

    const cookie = cookieOf(login);
    const me = await send(api.handler, 'GET', '/api/v1/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'operator', tenantId: 'acme' });
    expect(me.body.id).toMatch(/^key:[0-9a-f]{16}$/);
    // The cookie is scoped like its key: acme's jobs only.
    const jobs = await send(api.handler, 'GET', '/api/v1/jobs', { cookie });
    expect(jobs.body.items.length).toBeGreaterThan(0);
    expect(jobs.body.items.every((j: { tenantId: string }) => j.tenantId === 'acme')).toBe(true);
    const session = await send(api.handler, 'GET', '/api/v1/session', { cookie });
    expect(session.body).toMatchObject({
      role: 'operator',
      tenantId: 'acme',
      csrfToken: login.body.csrfToken,
    });
  });

  it('refuses a mutation by cookie without the CSRF token (403), accepts it with; Bearer needs none', async () => {
    const login = await send(api.handler, 'POST', '/api/v1/session', { body: { key: api.keys.operator } });
    const cookie = cookieOf(login);
    const path = `/api/v1/jobs/${api.acme.scheduled}/promote`;
    const before = await api.snapshot();
    const missing = await send(api.handler, 'POST', path, { cookie });
    expect(missing.status).toBe(403);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.body.code).toBe('CSRF_TOKEN_INVALID');
    const wrong = await send(api.handler, 'POST', path, { cookie, csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(await api.snapshot()).toBe(before);

    const ok = await send(api.handler, 'POST', `/api/v1/queues/emails/pause`, {
      cookie,
      csrf: login.body.csrfToken,
    });
    expect(ok.status).toBe(200);
    const bearer = await send(api.handler, 'POST', `/api/v1/queues/emails/resume`, {
      bearer: api.keys.operator,
    });
    expect(bearer.status).toBe(200);
    // The audit log records the cookie's mutation as the key it came from.
    const me = await send(api.handler, 'GET', '/api/v1/me', { bearer: api.keys.operator });
    const [entry] = await sql<{ actor: string }>(
      api.url,
      `SELECT actor FROM conveyor.audit_log WHERE action = 'queue.pause' ORDER BY id DESC LIMIT 1`,
    );
    expect(entry?.actor).toBe(me.body.id);
  });

  it('answers a bad key 401 and counts it against the login throttle (429 after the limit)', async () => {
    const throttled = createApiHandler({ conveyor: api.conveyor, auth: {}, loginThrottle: { max: 2 } });
    for (let i = 0; i < 2; i++) {
      const bad = await send(throttled, 'POST', '/api/v1/session', {
        body: { key: `cvk_${'0'.repeat(16)}_${'1'.repeat(64)}` },
        ip: '10.9.9.9',
      });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('set-cookie')).toBeNull();
    }
    const blocked = await send(throttled, 'POST', '/api/v1/session', {
      body: { key: api.keys.admin },
      ip: '10.9.9.9',
    });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    const other = await send(throttled, 'POST', '/api/v1/session', {
      body: { key: api.keys.admin },
      ip: '10.9.9.10',
    });
    expect(other.status).toBe(200);
    const empty = await send(throttled, 'POST', '/api/v1/session', { body: {}, ip: '10.9.9.11' });
    expect(empty.status).toBe(400);
    expect(empty.body.field).toBe('body.key');
  });

  it('exchanges a one-time login code once for an admin session', async () => {
    const code = api.handler.loginCode();
    const first = await send(api.handler, 'POST', '/api/v1/session', { body: { code } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ role: 'admin', tenantId: null });
    const again = await send(api.handler, 'POST', '/api/v1/session', { body: { code } });
    expect(again.status).toBe(401);
    const expired = api.handler.loginCode({ ttlMs: -1 });
    expect((await send(api.handler, 'POST', '/api/v1/session', { body: { code: expired } })).status).toBe(
      401,
    );
  });

  it('ends a session on logout and when its key is revoked', async () => {
    const login = await send(api.handler, 'POST', '/api/v1/session', { body: { key: api.keys.viewer } });
    const cookie = cookieOf(login);
    const refused = await send(api.handler, 'DELETE', '/api/v1/session', { cookie });
    expect(refused.status).toBe(403);
    const out = await send(api.handler, 'DELETE', '/api/v1/session', { cookie, csrf: login.body.csrfToken });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/conveyor_session=; Max-Age=0/);
    expect((await send(api.handler, 'GET', '/api/v1/me', { cookie })).status).toBe(401);

    const created = await send(api.handler, 'POST', '/api/v1/keys', {
      bearer: api.keys.admin,
      body: { name: 'short-lived', role: 'viewer' },
    });
    const again = await send(api.handler, 'POST', '/api/v1/session', { body: { key: created.body.key } });
    const revocable = cookieOf(again);
    expect((await send(api.handler, 'GET', '/api/v1/me', { cookie: revocable })).status).toBe(200);
    await send(api.handler, 'DELETE', `/api/v1/keys/${created.body.id}`, { bearer: api.keys.admin });
    expect((await send(api.handler, 'GET', '/api/v1/me', { cookie: revocable })).status).toBe(401);
  });
});

describe('the dashboard files', () => {
  it('serves the app shell without a credential: index.html no-cache, hashed assets for a year, client routes', async () => {
    const index = await send(api.handler, 'GET', '/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(index.text).toContain('<base href="/">');
    expect(index.text).toContain('<meta name="conveyor-api" content="/api/v1">');
    const script = /src="\.\/(assets\/[\w-]+\.js)"/.exec(index.text)?.[1];
    expect(script).toBeDefined();
    const asset = await send(api.handler, 'GET', `/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const route = await send(api.handler, 'GET', '/jobs/42');
    expect(route.status).toBe(200);
    expect(route.text).toBe(index.text);
    expect((await send(api.handler, 'GET', '/assets/gone-1234.js')).status).toBe(404);
    // Nothing else is served without a credential: API paths, known or not, answer 401.
    expect((await send(api.handler, 'GET', '/api/v1/jobs')).status).toBe(401);
    expect((await send(api.handler, 'GET', '/api/v1/nope')).status).toBe(401);
    expect((await send(api.handler, 'POST', '/')).status).toBe(404);
  });

  it('is not served with dashboard: false, and follows dashboardPath', async () => {
    const off = createApiHandler({ conveyor: api.conveyor, auth: {}, dashboard: false });
    expect((await send(off, 'GET', '/')).status).toBe(404);
    const moved = createApiHandler({
      conveyor: api.conveyor,
      auth: {},
      dashboardPath: '/ops',
      basePath: '/ops/api',
    });
    const index = await send(moved, 'GET', '/ops/');
    expect(index.text).toContain('<base href="/ops/">');
    expect(index.text).toContain('content="/ops/api"');
    expect((await send(moved, 'GET', '/ops/queues')).status).toBe(200);
    expect((await send(moved, 'GET', '/elsewhere')).status).toBe(404);
  });
});
