/**
 * `conveyor gateway` as a user runs it (a child process): it starts with its key and Redis from
 * the environment, serves Socket.IO and /health, delivers a tenant's event published through the
 * fan-out to a real socket.io-client, never prints the secret, and exits 0 on SIGTERM. Without a
 * key or Redis it exits 2 naming the variable to set.
 */
import { io as connectClient } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { envelope } from '../realtime/support/envelopes.ts';
import { connected, nextEvent, refusal } from '../realtime/support/gateway-node.ts';
import { openFanout, REDIS_URL, uniquePrefix } from '../realtime/support/redis-fanout.ts';
import { SECRET, signToken } from '../realtime/support/tokens.ts';
import { killAll, runCli, startCli } from './cli-process.ts';

describe('conveyor gateway', () => {
  afterAll(() => killAll());

  it('starts, serves /health and delivers events to sockets, never logs the secret, stops on SIGTERM', async () => {
    const prefix = uniquePrefix();
    const cli = startCli(['gateway', '--port', '0', '--host', '127.0.0.1'], {
      env: {
        CONVEYOR_JWT_SECRET: SECRET,
        REDIS_URL,
        CONVEYOR_EVENTS_PREFIX: prefix,
        CONVEYOR_LOG_LEVEL: 'info',
      },
    });
    await cli.waitFor(/realtime gateway listening/);
    const line = cli
      .stdout()
      .split('\n')
      .find((text) => text.includes('realtime gateway listening'))!;
    const { port, redis } = JSON.parse(line) as { port: number; redis: string };
    expect(redis).toBe(`${new URL(REDIS_URL).protocol}//${new URL(REDIS_URL).host}`);
    const url = `http://127.0.0.1:${port}`;

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', sockets: 0 });

    const relay = openFanout(prefix);
    const client = connectClient(url, {
      transports: ['websocket'],
      reconnection: false,
      auth: { token: await signToken({ sub: 'u1', tenantId: 'cli-tenant' }) },
    });
    const anonymous = connectClient(url, { transports: ['websocket'], reconnection: false });
    try {
      expect(await refusal(anonymous)).toBe('Authentication required');
      await connected(client);
      const event = envelope('cli-tenant', 1, 'card.transition', { cardId: 'c1' });
      const arrives = nextEvent(client, 'card.transition');
      await relay.deliver([event]);
      expect(await arrives).toEqual(event);
    } finally {
      client.disconnect();
      anonymous.disconnect();
      await relay.close();
    }

    cli.child.kill('SIGTERM');
    const result = await cli.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/realtime gateway stopped/);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });

  it('exits 2 naming what to set when there is no key or no Redis', async () => {
    const noKey = await runCli(['gateway', '--port', '0'], { env: { REDIS_URL } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/CONVEYOR_JWT_SECRET/);
    const noRedis = await runCli(['gateway', '--port', '0'], {
      env: { CONVEYOR_JWT_SECRET: SECRET, REDIS_URL: '' },
    });
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toMatch(/REDIS_URL/);
    const shortSecret = await runCli(['gateway', '--port', '0'], {
      env: { CONVEYOR_JWT_SECRET: 'too-short-secret', REDIS_URL },
    });
    expect(shortSecret.code).toBe(4);
    expect(shortSecret.stderr).toMatch(/auth\.secret: must be at least 32 bytes/);
    expect(shortSecret.stderr).not.toContain('too-short-secret');
  });
});
