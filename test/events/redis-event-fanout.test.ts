import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src/events/event-envelope.ts';
import { RedisEventFanout } from '../../src/events/fanout/redis-event-fanout.ts';
import { usePrivateRedis } from '../support/private-redis.ts';

const redis = usePrivateRedis();
const open: RedisEventFanout[] = [];
let nextSequence = 1;

function fanout(): RedisEventFanout {
  const instance = new RedisEventFanout({ redis: redis.server.url, prefix: 'arda' });
  open.push(instance);
  return instance;
}

function envelope(tenantId: string | null, type = 'card.scanned'): EventEnvelope {
  return {
    id: `event-${nextSequence}`,
    type,
    schemaVersion: 1,
    source: 'test',
    tenantId,
    sequence: nextSequence++,
    correlationId: null,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { n: nextSequence },
  };
}

/** Resolves with the first `count` events the listener collects. */
function collector(): {
  events: EventEnvelope[];
  listener: (e: EventEnvelope) => void;
  until(n: number): Promise<void>;
} {
  const events: EventEnvelope[] = [];
  return {
    events,
    listener: (event) => events.push(event),
    async until(count) {
      const deadline = Date.now() + 5_000;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`got ${events.length} of ${count} events`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

async function numsub(channel: string): Promise<number> {
  const client = new Redis(redis.server.url);
  try {
    const [, count] = (await client.pubsub('NUMSUB', channel)) as [string, number];
    return Number(count);
  } finally {
    client.disconnect();
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((instance) => instance.close()));
});

describe('RedisEventFanout', () => {
  it("dual-publishes to the tenant's channel and the global one; a tenant sees only its own", async () => {
    const publisher = fanout();
    const subscriber = fanout();
    const tenantA = collector();
    const tenantB = collector();
    const global = collector();
    await subscriber.subscribe({ tenantId: 'a' }, tenantA.listener);
    await subscriber.subscribe({ tenantId: 'b' }, tenantB.listener);
    await subscriber.subscribe({ global: true }, global.listener);

    const sent = [envelope('a'), envelope('b'), envelope(null, 'system.notice'), envelope('a')];
    await publisher.deliver(sent);
    await global.until(4);
    await tenantA.until(2);
    await tenantB.until(1);

    expect(global.events.map((e) => e.id)).toEqual(sent.map((e) => e.id));
    expect(tenantA.events).toEqual([sent[0], sent[3]]);
    expect(tenantB.events).toEqual([sent[1]]);
  });

  it('subscribes a channel once for many listeners and releases it with the last one', async () => {
    const subscriber = fanout();
    const releases = await Promise.all(
      Array.from({ length: 20 }, () => subscriber.subscribe({ tenantId: 't1' }, () => {})),
    );
    expect(await numsub('arda:events:t1')).toBe(1);
    await Promise.all(releases.slice(1).map((release) => release()));
    expect(await numsub('arda:events:t1')).toBe(1);
    await releases[0]!();
    await releases[0]!(); // twice is harmless
    expect(await numsub('arda:events:t1')).toBe(0);
    expect(subscriber.subscribedChannels()).toEqual([]);

    // A subscribe racing the last release ends subscribed.
    const first = await subscriber.subscribe({ tenantId: 't2' }, () => {});
    const [, second] = await Promise.all([first(), subscriber.subscribe({ tenantId: 't2' }, () => {})]);
    expect(await numsub('arda:events:t2')).toBe(1);
    await second();
    expect(await numsub('arda:events:t2')).toBe(0);
  });

  it('drops malformed messages and survives a throwing listener without affecting the others', async () => {
    const subscriber = fanout();
    const good = collector();
    await subscriber.subscribe({ tenantId: 'x' }, () => {
      throw new Error('listener bug');
    });
    await subscriber.subscribe({ tenantId: 'x' }, good.listener);
    const raw = new Redis(redis.server.url);
    try {
      for (const junk of [
        'not json',
        '[]',
        '{"type":"a"}',
        'null',
        JSON.stringify({ ...envelope('x'), sequence: -1 }),
      ]) {
        await raw.publish('arda:events:x', junk);
      }
    } finally {
      raw.disconnect();
    }
    const sent = envelope('x');
    await fanout().deliver([sent]);
    await good.until(1);
    expect(good.events).toEqual([sent]);
    expect(subscriber.dropped).toEqual({ malformed: 5, listenerErrors: 1 });
  });

  it('fails a delivery at once while Redis is down, and delivers again once it is back', async () => {
    const publisher = fanout();
    const subscriber = fanout();
    const received = collector();
    await subscriber.subscribe({ tenantId: 'down' }, received.listener);
    await publisher.deliver([envelope('down')]);
    await received.until(1);

    await redis.server.stop();
    const startedAt = Date.now();
    await expect(publisher.deliver([envelope('down')])).rejects.toThrow();
    expect(Date.now() - startedAt).toBeLessThan(5_000);

    await redis.server.start();
    // The subscriber re-subscribes by itself; the relay would retry until deliver resolves.
    const retried = envelope('down');
    const deadline = Date.now() + 10_000;
    while (received.events.length < 2) {
      if (Date.now() > deadline) throw new Error('no delivery after Redis came back');
      await publisher.deliver([retried]).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(received.events.at(-1)?.id).toBe(retried.id);
  });

  it('refuses a prefix that cannot name a channel, naming the option', () => {
    expect(() => new RedisEventFanout({ redis: redis.server.url, prefix: 'has space' })).toThrow(
      /^prefix: .*"arda"/,
    );
  });
});
