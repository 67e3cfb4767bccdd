/**
 * The bearer-token plug point (JWTs in production, through the realtime gateway's verifier): a
 * token the verifier accepts acts with its claims' role and tenant; one it refuses, throws on, or
 * whose role is unknown gets 401. The verifier here signs with HMAC-SHA256 (node:crypto), so
 * forged and tampered tokens are really refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/index.ts';
import { useApiFixture } from './api-fixture.ts';

const api = useApiFixture();
const SECRET = 'a-test-signing-secret-of-32-bytes!!';

const sign = (claims: object): string => {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `t1.${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
};

/** The gateway's shape: `verify` resolves the claims or throws. */
const verifier = {
  async verify(token: string) {
    const [, body = '', mac = ''] = token.split('.');
    const expected = createHmac('sha256', SECRET).update(body).digest();
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new Error('Invalid token');
    return JSON.parse(Buffer.from(body, 'base64url').toString()) as {
      userId: string;
      tenantId: string;
      role: string;
    };
  },
};

async function send(
  handler: ReturnType<typeof createApiHandler>,
  token: string,
  method: string,
  path: string,
) {
  const response = await handler.fetch(
    new Request(`http://localhost/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}` } }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('bearer tokens other than API keys', () => {
  it("a verified token acts with its role and tenant, audited under the token's user", async () => {
    const handler = createApiHandler({ conveyor: api.conveyor, auth: { tokens: verifier } });
    const token = sign({ userId: 'u_42', tenantId: 'acme', role: 'operator' });
    expect((await send(handler, token, 'GET', '/me')).body).toEqual({
      id: 'jwt:u_42',
      role: 'operator',
      tenantId: 'acme',
    });
    expect((await send(handler, token, 'POST', `/jobs/${api.acme.dead}/retry`)).status).toBe(200);
    expect((await send(handler, token, 'POST', `/jobs/${api.globex.dead}/retry`)).status).toBe(404);
    expect((await send(handler, token, 'POST', '/queues/work/pause')).status).toBe(403);
    const audit = await api.call('admin', 'GET', '/audit?action=job.retry');
    expect(audit.body.items[0]).toMatchObject({ actor: 'jwt:u_42', role: 'operator', tenantId: 'acme' });
  });

  it('a tampered token, an unknown role, a verifier that throws or says null: 401, never 500', async () => {
    const handler = createApiHandler({ conveyor: api.conveyor, auth: { tokens: verifier } });
    const good = sign({ userId: 'u_1', tenantId: 'acme', role: 'viewer' });
    const tampered = `${good.slice(0, -3)}AAA`;
    const promoted = good.replace(
      /^t1\.[^.]+/,
      `t1.${Buffer.from(JSON.stringify({ userId: 'u_1', tenantId: null, role: 'admin' })).toString('base64url')}`,
    );
    for (const token of [
      tampered,
      promoted,
      sign({ userId: 'u_1', tenantId: 'acme', role: 'root' }),
      sign({ userId: '', tenantId: 'acme', role: 'viewer' }),
    ]) {
      const response = await send(handler, token, 'GET', '/me');
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHORIZED');
    }
    const throwing = createApiHandler({
      conveyor: api.conveyor,
      auth: {
        tokens: async () => {
          throw new TypeError('verifier bug');
        },
      },
    });
    expect((await send(throwing, good, 'GET', '/me')).status).toBe(401);
    const none = createApiHandler({ conveyor: api.conveyor, auth: { tokens: async () => null } });
    expect((await send(none, good, 'GET', '/me')).status).toBe(401);
    const keysOnly = createApiHandler({ conveyor: api.conveyor, auth: {} });
    expect((await send(keysOnly, good, 'GET', '/me')).status).toBe(401);
    expect((await send(keysOnly, api.keys.viewer, 'GET', '/me')).status).toBe(200);
  });
});

describe("the realtime gateway's JwtVerifier (jose)", () => {
  it('plugs in as it is: a signed HS256 token acts with its claims; an expired or forged one is 401', async () => {
    const { SignJWT } = await import('jose');
    const { JwtVerifier } = await import('../../src/auth/jwt-verifier.ts');
    const secret = 'an-hs256-secret-of-at-least-32-bytes-long';
    const handler = createApiHandler({
      conveyor: api.conveyor,
      auth: { tokens: new JwtVerifier({ secret }) },
    });
    const jwt = (claims: Record<string, unknown>, expires: string | number, key = secret) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u_7')
        .setExpirationTime(expires)
        .sign(new TextEncoder().encode(key));
    const valid = await jwt({ tenantId: 'acme', role: 'viewer' }, '5m');
    expect((await send(handler, valid, 'GET', '/me')).body).toEqual({
      id: 'jwt:u_7',
      role: 'viewer',
      tenantId: 'acme',
    });
    expect((await send(handler, valid, 'GET', `/jobs/${api.globex.dead}`)).status).toBe(404);
    const expired = await jwt({ tenantId: 'acme', role: 'viewer' }, Math.floor(Date.now() / 1000) - 60);
    expect((await send(handler, expired, 'GET', '/me')).status).toBe(401);
    const forged = await jwt(
      { tenantId: 'acme', role: 'admin' },
      '5m',
      'another-secret-of-at-least-32-bytes-long!',
    );
    expect((await send(handler, forged, 'GET', '/me')).status).toBe(401);
  });
});
