/**
 * The handshake and the token's lifetime, with the real socket.io-client: no token, a forged
 * signature, `alg: none`, an expired token and a wrong audience are refused with the seed's exact
 * messages; a token in `Authorization: Bearer` works; a socket whose token expires is
 * disconnected (after `error` { message: 'Token expired' }) unless it refreshed in time.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, type GatewayNode, nextEvent, refusal, startGatewayNode } from './support/gateway-node.ts';
import { uniquePrefix } from './support/redis-fanout.ts';
import { signToken, unsignedToken } from './support/tokens.ts';

const ALICE = { sub: 'alice', tenantId: 'tenant-a', role: 'member' };

describe('realtime gateway: authentication', () => {
  let node: GatewayNode;
  beforeAll(async () => {
    node = await startGatewayNode(uniquePrefix());
  });
  afterAll(() => node?.close());

  it('accepts a valid token from handshake.auth.token and says connected with tenant and user', async () => {
    const client = node.connect({ token: await signToken(ALICE) });
    const hello = await connected(client);
    expect(hello).toEqual({ tenantId: 'tenant-a', userId: 'alice', timestamp: expect.any(String) });
    expect(Number.isNaN(Date.parse(hello.timestamp))).toBe(false);
    client.emit('ping');
    expect(await nextEvent<{ timestamp: string }>(client, 'pong')).toEqual({ timestamp: expect.any(String) });
    client.disconnect();
  });

  it('accepts a token from the Authorization: Bearer header', async () => {
    const client = node.connect({}, { headers: { authorization: `Bearer ${await signToken(ALICE)}` } });
    expect((await connected(client)).userId).toBe('alice');
    client.disconnect();
  });

  it('refuses a handshake without a token with "Authentication required"', async () => {
    expect(await refusal(node.connect({}))).toBe('Authentication required');
    expect(await refusal(node.connect({ token: '' }))).toBe('Authentication required');
  });

  it('refuses forged, unsigned, expired, wrong-audience, wrong-issuer and tenantless tokens with "Invalid token"', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const tokens = {
      forged: await signToken(ALICE, { secret: 'another-secret-of-at-least-32-bytes-long!!' }),
      unsigned: unsignedToken(ALICE),
      expired: await signToken(ALICE, { exp: nowSeconds - 10 }),
      wrongAudience: await signToken(ALICE, { audience: 'someone-else' }),
      wrongIssuer: await signToken(ALICE, { issuer: 'https://evil.test' }),
      noTenant: await signToken({ sub: 'alice' }),
      garbage: 'not.a.jwt',
    };
    const messages = await Promise.all(
      Object.values(tokens).map((token) => refusal(node.connect({ token }))),
    );
    expect(Object.fromEntries(Object.keys(tokens).map((name, n) => [name, messages[n]]))).toEqual(
      Object.fromEntries(Object.keys(tokens).map((name) => [name, 'Invalid token'])),
    );
    // A refused handshake leaves nothing behind.
    expect(node.gateway.stats()).toMatchObject({ sockets: 0, subscriptions: 0, tenants: 0 });
  });

  it('disconnects a socket when its token expires, saying why', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const client = node.connect({ token: await signToken(ALICE, { exp }) });
    await connected(client);
    const [error, reason] = await Promise.all([
      nextEvent<{ message: string }>(client, 'error', 5_000),
      nextEvent<string>(client, 'disconnect', 5_000),
    ]);
    expect(error).toEqual({ message: 'Token expired' });
    expect(reason).toBe('io server disconnect');
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
  });

  it('keeps a socket that sent auth:refresh with a fresh token before expiry', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const client = node.connect({ token: await signToken(ALICE, { exp }) });
    await connected(client);
    const answer = await client.emitWithAck('auth:refresh', { token: await signToken(ALICE, { exp: '1h' }) });
    expect(answer).toMatchObject({ ok: true, expiresAt: expect.any(String) });
    let disconnected = false;
    client.on('disconnect', () => {
      disconnected = true;
    });
    // Past the first token's expiry by a second: still connected, still answering.
    await delay(Math.max(0, exp * 1000 - Date.now()) + 1_000);
    client.emit('ping');
    await nextEvent(client, 'pong');
    expect(disconnected).toBe(false);
    client.disconnect();
  });

  it("refuses a refresh with another user's or tenant's token, or an invalid one, and still expires", async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const client = node.connect({ token: await signToken(ALICE, { exp }) });
    await connected(client);
    const otherUser = await client.emitWithAck('auth:refresh', {
      token: await signToken({ ...ALICE, sub: 'mallory' }),
    });
    const otherTenant = await client.emitWithAck('auth:refresh', {
      token: await signToken({ ...ALICE, tenantId: 'tenant-b' }),
    });
    const forged = await client.emitWithAck('auth:refresh', {
      token: await signToken(ALICE, { secret: 'another-secret-of-at-least-32-bytes-long!!' }),
    });
    expect([otherUser, otherTenant, forged]).toEqual([
      { ok: false, message: 'Token does not match this connection' },
      { ok: false, message: 'Token does not match this connection' },
      { ok: false, message: 'Invalid token' },
    ]);
    expect(await nextEvent<string>(client, 'disconnect', 5_000)).toBe('io server disconnect');
  });
});
