/**
 * No leak after 10,000 connect/disconnect cycles over 20 tenants: some sockets leave as soon as
 * they connect (while their tenant's subscription is still being made), some resume with a
 * lastSequence, some join a loop room. Afterwards the node holds no socket, room, tenant count or
 * fan-out subscription (its own count, the fan-out's channels, and Redis's PUBSUB NUMSUB and
 * PUBSUB CHANNELS), and no listener was added to the HTTP server, the Socket.IO server or the
 * process. Then it still delivers events.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanoutChannel } from '../../src/events/event-fanout.ts';
import { until } from '../support/until.ts';
import { envelope } from './support/envelopes.ts';
import { connected, type GatewayNode, nextEvent, startGatewayNode } from './support/gateway-node.ts';
import { openFanout, REDIS_URL, type TestFanout, uniquePrefix } from './support/redis-fanout.ts';
import { signToken } from './support/tokens.ts';

const CYCLES = Number(process.env.LEAK_CYCLES ?? 10_000);
const AT_ONCE = 50;
const TENANTS = Array.from({ length: 20 }, (_, n) => `leak-${n}`);

describe('realtime gateway: no leak', () => {
  const prefix = uniquePrefix();
  let node: GatewayNode;
  let relay: TestFanout;
  let redis: Redis;
  beforeAll(async () => {
    node = await startGatewayNode(prefix, { authorize: () => true, limits: { connectionsPerTenant: 1_000 } });
    relay = openFanout(prefix);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await node?.close();
    await relay?.close();
    redis?.disconnect();
  });

  it(`leaves nothing behind after ${CYCLES} connect/disconnect cycles`, { timeout: 300_000 }, async () => {
    const tokens = await Promise.all(TENANTS.map((tenantId, n) => signToken({ sub: `u${n}`, tenantId })));
    const listeners = () => ({
      httpRequest: node.server.listenerCount('request'),
      httpUpgrade: node.server.listenerCount('upgrade'),
      ioConnection: node.gateway.io.of('/').listenerCount('connection'),
      processSignals: process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'),
      processErrors: process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection'),
    });
    const before = listeners();

    const cycle = async (n: number): Promise<void> => {
      const tenant = n % TENANTS.length;
      const auth: Record<string, unknown> = { token: tokens[tenant] };
      if (n % 10 === 5) auth.lastSequence = 0;
      const client = node.connect(auth);
      if (n % 3 === 0) {
        // Gone before the gateway finished setting it up.
        await new Promise<void>((resolve, reject) => {
          client.once('connect', () => resolve());
          client.once('connect_error', reject);
        });
      } else {
        await connected(client).catch((error: Error) => {
          throw new Error(`cycle ${n}: ${error.message}`);
        });
        if (n % 7 === 0) await client.emitWithAck('subscribe:loop', `loop-${n}`);
      }
      client.disconnect();
    };
    for (let start = 0; start < CYCLES; start += AT_ONCE) {
      await Promise.all(
        Array.from({ length: Math.min(AT_ONCE, CYCLES - start) }, (_, k) => cycle(start + k)),
      );
    }

    await until(() => node.gateway.stats().sockets === 0 && node.gateway.stats().subscriptions === 0, 15_000);
    await until(() => node.fanout.fanout.subscribedChannels().length === 0, 15_000);
    expect(node.gateway.stats()).toEqual({ sockets: 0, tenants: 0, subscriptions: 0, rooms: 0 });
    expect(node.gateway.io.engine.clientsCount).toBe(0);
    const channels = TENANTS.map((tenantId) => fanoutChannel(prefix, { tenantId }));
    const numsub = (await redis.pubsub('NUMSUB', ...channels)) as Array<string | number>;
    expect(numsub.filter((_, index) => index % 2 === 1).map(Number)).toEqual(TENANTS.map(() => 0));
    expect(await redis.pubsub('CHANNELS', `${prefix}:*`)).toEqual([]);
    expect(listeners()).toEqual(before);

    // Still serving: a new socket gets its tenant's events, and the subscription is back (once).
    const client = node.connect({ token: tokens[0] });
    await connected(client);
    const event = envelope(TENANTS[0]!, 1, 'card.transition', { after: 'leak test' });
    const arrives = nextEvent(client, 'card.transition');
    await relay.deliver([event]);
    expect(await arrives).toEqual(event);
    const [, subscribers] = (await redis.pubsub('NUMSUB', channels[0]!)) as [string, number];
    expect(Number(subscribers)).toBe(1);
    client.disconnect();
  });
});
