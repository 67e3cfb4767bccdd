/**
 * Redis goes away under a gateway (a Redis of the test's own, SIGKILLed and started again on the
 * same port): sockets stay connected; events committed meanwhile (the relay's deliveries fail, so
 * nothing reaches the node) are not lost: when Redis is back and the next event arrives, the node
 * sees the gap in the tenant's sequence and fills it from the history, so the client gets every
 * event in order, once. A socket that connects while Redis is down is told live events are
 * unavailable and disconnected, holding nothing.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src/events/event-envelope.ts';
import { fanoutChannel } from '../../src/events/event-fanout.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { usePrivateRedis } from '../support/private-redis.ts';
import { until } from '../support/until.ts';
import { envelope } from './support/envelopes.ts';
import { connected, type GatewayNode, nextEvent, record, startGatewayNode } from './support/gateway-node.ts';
import { openFanout, type TestFanout, uniquePrefix } from './support/redis-fanout.ts';
import { TableHistory } from './support/table-history.ts';
import { signToken } from './support/tokens.ts';

const redis = usePrivateRedis();

describe('realtime gateway: a Redis outage', () => {
  const prefix = uniquePrefix();
  const tenantId = 'outage-t';
  let db: TestDatabase;
  let history: TableHistory;
  let node: GatewayNode;
  let relay: TestFanout;
  let sequence = 0;
  const commit = async (): Promise<EventEnvelope> => {
    sequence += 1;
    const event = envelope(tenantId, sequence, 'card.transition', { n: sequence });
    await history.append([event]);
    return event;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    history = new TableHistory(db.url);
    await history.setup();
    node = await startGatewayNode(prefix, { history, redisUrl: redis.server.url });
    relay = openFanout(prefix, redis.server.url);
  });
  afterAll(async () => {
    await node?.close();
    await relay?.close();
    await history?.close();
    await db?.drop();
  });

  it('loses no event: the gap left by the outage is filled from the history', async () => {
    const client = node.connect({ token: await signToken({ sub: 'u1', tenantId }) });
    await connected(client);
    const seen = record(client);
    await relay.deliver([await commit()]); // 1, live
    await until(() => seen.length === 1, 15_000);

    await redis.server.stop();
    const during = [await commit(), await commit()]; // 2, 3: committed while Redis is down
    await expect(relay.deliver(during)).rejects.toThrow(); // the relay would retry these later

    // A socket arriving now cannot get live events: told so, disconnected, holding nothing.
    const late = node.connect({ token: await signToken({ sub: 'u2', tenantId: 'outage-late' }) });
    expect(await nextEvent(late, 'error', 10_000)).toEqual({
      message: 'Live events are unavailable; reconnect later',
    });
    await until(() => !late.connected, 15_000);

    await redis.server.start();
    // Wait until the node's subscriber is back on the tenant's channel (ioredis re-subscribes).
    const probe = new Redis(redis.server.url);
    try {
      await until(async () => {
        const [, count] = (await probe.pubsub('NUMSUB', fanoutChannel(prefix, { tenantId }))) as [
          string,
          number,
        ];
        return Number(count) === 1;
      }, 15_000);
    } finally {
      probe.disconnect();
    }
    const four = await commit();
    // The relay retries until its publisher is back too.
    await until(
      async () =>
        relay.deliver([four]).then(
          () => true,
          () => false,
        ),
      15_000,
    );
    await until(() => seen.length === 4, 15_000);
    expect(seen.map((item) => (item.data as EventEnvelope).sequence)).toEqual([1, 2, 3, 4]);
    expect(seen.some((item) => item.event === 'reset')).toBe(false);
    expect(node.gateway.stats()).toMatchObject({ sockets: 1, tenants: 1, subscriptions: 1 });
    client.disconnect();
  });
});
