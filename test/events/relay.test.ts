/**
 * The relay across processes (two Conveyor instances on one database stand for two processes):
 * one leads the `events` role and delivers; when it goes away the other takes the role over and
 * delivers what is published next. Two relays running at once (a leadership change) still make
 * one job per subscriber and event.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { internalsOf } from '../../src/client/conveyor-internals.ts';
import { EventMetrics } from '../../src/events/event-metrics.ts';
import { EventRelay } from '../../src/events/event-relay.ts';
import { type Conveyor, createEventBus, type EventBus } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';
import { orderCreated, Received } from './bus-support.ts';

const db = useConveyorDatabase();

describe('the relay', () => {
  const opened: Conveyor[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
  });

  it('moves to another process when the leader goes away, and loses nothing', async () => {
    const received = new Received();
    const nodes: { conveyor: Conveyor; bus: EventBus }[] = [];
    for (let i = 0; i < 2; i += 1) {
      const conveyor = db.open({ jobs: [] });
      opened.push(conveyor);
      const bus = createEventBus({ conveyor, relay: { pollInterval: '200ms' } });
      await bus.subscribe(orderCreated, (event) => received.push(event), { name: 'ledger' });
      await conveyor.worker({ queues: ['events'], handleSignals: false }).start();
      nodes.push({ conveyor, bus });
    }
    const leads = (node: { conveyor: Conveyor }) => internalsOf(node.conveyor).runtime.isLeaderOf('events');
    await expect.poll(() => nodes.filter(leads).length, { timeout: 10_000 }).toBe(1);
    const leader = nodes.find(leads)!;
    const follower = nodes.find((n) => n !== leader)!;

    await follower.bus.publish(orderCreated, { orderId: 'a', orderNumber: 'PO-1' }, { tenantId: 'acme' });
    await received.until(1);
    await leader.conveyor.close();
    await follower.bus.publish(orderCreated, { orderId: 'b', orderNumber: 'PO-2' }, { tenantId: 'acme' });
    await received.until(2);
    expect(leads(follower)).toBe(true);
    expect(received.events.map((e) => [e.payload, e.sequence])).toEqual([
      [{ orderId: 'a', orderNumber: 'PO-1' }, 1],
      [{ orderId: 'b', orderNumber: 'PO-2' }, 2],
    ]);
  });

  it('makes one job per subscriber and event even with two relays running at once', async () => {
    const conveyor = db.open({ jobs: [], schema: 'two_relays' });
    opened.push(conveyor);
    const bus = createEventBus({ conveyor, relay: false, localFanout: false });
    await bus.subscribe('order.*', () => null, { name: 'a' });
    await bus.subscribe('*', () => null, { name: 'b' });
    const internals = internalsOf(conveyor);
    const relays = [0, 1].map(
      () =>
        new EventRelay({
          store: internals.store,
          notifier: internals.notifier,
          sinks: [],
          metrics: new EventMetrics(internals.metrics, internals.store, internals.now),
          log: testLogger,
          now: internals.now,
          wake: () => {},
          pollIntervalMs: 5,
          streamsPerRead: 3,
          eventsPerStream: 7,
        }),
    );
    await Promise.all(relays.map((r) => r.start()));
    const tenants = ['t1', 't2', 't3', 't4', 't5'];
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        bus.publish(orderCreated, { orderId: `o${i}`, orderNumber: `N${i}` }, { tenantId: tenants[i % 5]! }),
      ),
    );
    await expect
      .poll(
        async () =>
          (
            await sql<{ n: number }>(
              db.url,
              'SELECT count(*)::int AS n FROM two_relays.event_streams WHERE dispatched_sequence < last_sequence',
            )
          )[0]?.n,
        { timeout: 20_000 },
      )
      .toBe(0);
    await Promise.all(relays.map((r) => r.stop()));
    const jobs = await sql<{ name: string; n: number; events: number }>(
      db.url,
      "SELECT name, count(*)::int AS n, count(DISTINCT payload->>'id')::int AS events FROM two_relays.jobs GROUP BY name ORDER BY name",
    );
    expect(jobs).toEqual([
      { name: 'event:a', n: 300, events: 300 },
      { name: 'event:b', n: 300, events: 300 },
    ]);
  });
});
