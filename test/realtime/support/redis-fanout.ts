/**
 * The fan-out the tests run the gateway on: real Redis pub/sub. `deliver` is what the outbox relay
 * does (each envelope's JSON to the tenant channel and the global channel). Each test file uses a
 * prefix of its own on the shared Redis, so files running side by side never see each other.
 *
 * Interim: a small EventFanout over ioredis until the integrator's RedisEventFanout lands on main;
 * then this file only builds that.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { EventEnvelope } from '../../../src/events/event-envelope.ts';
import { type EventFanout, type EventScope, fanoutChannel } from '../../../src/events/event-fanout.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestFanout {
  prefix: string;
  fanout: EventFanout;
  /** Publishes each event to its tenant's channel and the global one, as the relay does. */
  deliver(events: readonly EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

export function uniquePrefix(): string {
  return `conveyor_t_${randomBytes(5).toString('hex')}`;
}

/** One fan-out (its own subscriber connection), as one gateway node has. */
export function openFanout(prefix: string): TestFanout {
  const publisher = new Redis(REDIS_URL);
  const subscriber = new Redis(REDIS_URL);
  // A SUBSCRIBE sent before ioredis's ready check (INFO) puts the connection in subscriber mode first.
  const ready = new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
  const listeners = new Map<string, Set<(event: EventEnvelope) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    const event = JSON.parse(message) as EventEnvelope;
    for (const listener of listeners.get(channel) ?? []) listener(event);
  });
  const fanout: EventFanout = {
    async subscribe(scope: EventScope, listener) {
      const channel = fanoutChannel(prefix, scope);
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await ready;
        await subscriber.subscribe(channel);
      }
      set.add(listener);
      return async () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(channel) === set) {
          listeners.delete(channel);
          await subscriber.unsubscribe(channel);
        }
      };
    },
    async close() {
      subscriber.disconnect();
    },
  };
  return {
    prefix,
    fanout,
    async deliver(events) {
      for (const event of events) {
        const message = JSON.stringify(event);
        if (event.tenantId !== null)
          await publisher.publish(fanoutChannel(prefix, { tenantId: event.tenantId }), message);
        await publisher.publish(fanoutChannel(prefix, { global: true }), message);
      }
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
