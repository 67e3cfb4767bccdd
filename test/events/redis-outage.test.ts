/**
 * A Redis outage while events are published (a Redis of this test's own, stopped and started):
 * the relay keeps the Redis sink's position while it fails, and when Redis is back every event is
 * fanned out, in order per tenant, on `{prefix}:events:{tenantId}` and `{prefix}:events:global`.
 * The consumer is a plain ioredis subscriber that reconnects every 10 ms, so it is back before
 * the relay's sink (which reconnects on a slower schedule) publishes again.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Conveyor,
  createEventBus,
  type EventBus,
  type EventEnvelope,
  RedisEventFanout,
} from '../../src/index.ts';
import { parseMetrics, sampleValue } from '../observe/http-client.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { usePrivateRedis } from '../support/private-redis.ts';
import { eventually, orderCreated } from './bus-support.ts';

const db = useConveyorDatabase();
const redis = usePrivateRedis();

describe('fan-out through a Redis outage', () => {
  let conveyor: Conveyor;
  let bus: EventBus;
  let consumer: Redis;
  const byChannel = new Map<string, EventEnvelope[]>();

  beforeAll(async () => {
    conveyor = db.open({ jobs: [], metrics: { cacheMs: 0 } });
    bus = createEventBus({
      conveyor,
      sinks: [new RedisEventFanout({ redis: redis.server.url, prefix: 'arda', log: conveyor.logger })],
      relay: { pollInterval: '100ms' },
      lagCacheMs: 0,
    });
    await bus.start();
    consumer = new Redis(redis.server.url, { retryStrategy: () => 10 });
    consumer.on('error', () => undefined);
    consumer.on('message', (channel: string, message: string) => {
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), JSON.parse(message) as EventEnvelope]);
    });
    await consumer.subscribe('arda:events:acme', 'arda:events:globex', 'arda:events:global');
  });
  afterAll(async () => {
    consumer?.disconnect();
    await conveyor?.close();
  });

  /** Sequences first seen on a channel, in arrival order (a retried batch may repeat some). */
  const sequences = (channel: string): number[] => {
    const seen: number[] = [];
    for (const event of byChannel.get(channel) ?? [])
      if (!seen.includes(event.sequence)) seen.push(event.sequence);
    return seen;
  };

  it('delivers every event, in order per tenant, once Redis is back', async () => {
    await bus.publish(orderCreated, { orderId: 'before', orderNumber: 'PO-0' }, { tenantId: 'acme' });
    await eventually(() => expect(sequences('arda:events:acme')).toEqual([1]));

    await redis.server.stop();
    for (let i = 1; i <= 10; i += 1) {
      await bus.publish(
        orderCreated,
        { orderId: `o${i}`, orderNumber: `PO-${i}` },
        { tenantId: i % 2 ? 'acme' : 'globex' },
      );
    }
    // The relay tried, failed, and kept the events in the outbox.
    await eventually(async () => {
      const metrics = parseMetrics((await conveyor.metrics.scrape()).body);
      expect(
        sampleValue(metrics.samples, 'conveyor_event_fanout_total', { sink: 'redis', outcome: 'failed' }),
      ).toBeGreaterThan(0);
      const lag = (await bus.lag()).find((l) => l.kind === 'sink' && l.name === 'redis');
      expect(lag?.seconds).toBeGreaterThan(0);
      const health = await conveyor.health();
      expect(health.events).toMatchObject({ lag: { sinks: { local: 0 } } });
      expect((health.events as { lag: { sinks: Record<string, number> } }).lag.sinks.redis).toBeGreaterThan(
        0,
      );
    });
    expect(sequences('arda:events:acme')).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await redis.server.start();
    await eventually(() => {
      expect(sequences('arda:events:acme')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(sequences('arda:events:globex')).toEqual([1, 2, 3, 4, 5]);
      expect(byChannel.get('arda:events:global')?.length).toBeGreaterThanOrEqual(11);
    }, 30_000);
    const acme = byChannel.get('arda:events:acme')!.filter((e) => e.sequence > 1);
    expect(acme.find((e) => e.sequence === 2)?.payload).toEqual({ orderId: 'o1', orderNumber: 'PO-1' });
    await eventually(async () => {
      const lag = (await bus.lag()).find((l) => l.kind === 'sink' && l.name === 'redis');
      expect(lag?.seconds).toBe(0);
    });
  });
});
