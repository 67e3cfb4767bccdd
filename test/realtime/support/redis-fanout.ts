/**
 * The fan-out the tests run the gateway on: RedisEventFanout over the shared Redis. `deliver` is
 * what the outbox relay does (each envelope's JSON to the tenant channel and the global channel).
 * Each test file uses a prefix of its own, so files running side by side never see each other.
 */
import { randomBytes } from 'node:crypto';
import type { EventEnvelope } from '../../../src/events/event-envelope.ts';
import { RedisEventFanout } from '../../../src/events/fanout/redis-event-fanout.ts';
import { testLogger } from '../../support/silent-logger.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestFanout {
  prefix: string;
  fanout: RedisEventFanout;
  /** Publishes each event to its tenant's channel and the global one, as the relay does. */
  deliver(events: readonly EventEnvelope[]): Promise<void>;
  close(): Promise<void>;
}

export function uniquePrefix(): string {
  return `conveyor_t_${randomBytes(5).toString('hex')}`;
}

/** One fan-out (its own subscriber connection), as one gateway node or the relay has. */
export function openFanout(prefix: string, redis: string = REDIS_URL): TestFanout {
  const fanout = new RedisEventFanout({ redis, prefix, log: testLogger });
  return {
    prefix,
    fanout,
    deliver: (events) => fanout.deliver(events),
    close: () => fanout.close(),
  };
}
