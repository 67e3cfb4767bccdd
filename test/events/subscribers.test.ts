/**
 * Durable subscribers on PostgreSQL: the default retry policy (4 attempts, 1 s / 4 s / 16 s); a
 * subscriber that throws is retried and ends in the dead-letter queue; replay re-delivers one
 * subscriber's events of a tenant in a time window; retention prunes old dispatched events (and
 * history then reports a gap); upcasters bring old payloads to the consumer's version and dual
 * publishing writes the deprecated twin during its window; deliveries are counted per type and
 * version, failures per subscriber, in /metrics.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { backoffDelay } from '../../src/core/backoff.ts';
import {
  type Conveyor,
  createEventBus,
  defineEvent,
  type EventBus,
  type EventEnvelope,
} from '../../src/index.ts';
import { parseMetrics, sampleValue } from '../observe/http-client.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { cardTransition, eventually, orderCreated, Received } from './bus-support.ts';

const db = useConveyorDatabase();

// Version 2 of card.transition adds `method`; version-1 payloads are upcast with 'manual'.
const cardTransitionV2 = defineEvent({
  type: 'card.transition',
  version: 2,
  schema: z.object({
    cardId: z.string(),
    loopId: z.string(),
    toStage: z.string(),
    method: z.enum(['manual', 'scan', 'system']),
  }),
  upcasters: {
    1: (v1: { cardId: string; loopId: string; toStage: string }) => ({ ...v1, method: 'manual' }),
  },
});
// A breaking change under a new type, dual-published as card.transition v1 until the window ends.
const cardMoved = (until: Date) =>
  defineEvent({
    type: 'card.moved',
    schema: z.object({ card: z.string(), loop: z.string(), stage: z.string() }),
    dualPublish: {
      as: cardTransition,
      map: (p: { card: string; loop: string; stage: string }) => ({
        cardId: p.card,
        loopId: p.loop,
        toStage: p.stage,
      }),
      until,
    },
  });

describe('durable subscribers', () => {
  let conveyor: Conveyor;
  let bus: EventBus;
  let oldPublisher: EventBus;
  const attempts: { id: string; attempt: number; at: number }[] = [];
  const upcast = new Received();
  const replayed: { event: EventEnvelope; replay: boolean }[] = [];
  const orders = new Received();

  beforeAll(async () => {
    conveyor = db.open({ jobs: [], metrics: { cacheMs: 0 } });
    bus = createEventBus({
      conveyor,
      events: [cardTransitionV2],
      relay: { pollInterval: '200ms' },
      lagCacheMs: 0,
    });
    // A service still on version 1 publishes through its own bus (no relay of its own).
    oldPublisher = createEventBus({
      conveyor,
      events: [cardTransition],
      relay: false,
      localFanout: false,
      retention: false,
    });
    await bus.subscribe(
      'order.failing',
      (event, context) => {
        attempts.push({ id: event.id, attempt: context.attempt, at: Date.now() });
        throw new Error('mail server down');
      },
      { name: 'mailer', attempts: 3, backoff: { type: 'exponential', delay: '40ms', factor: 4 } },
    );
    await bus.subscribe(cardTransitionV2, (event) => upcast.push(event), { name: 'kanban-board' });
    await bus.subscribe(
      orderCreated,
      (event, context) => {
        if (context.replay) replayed.push({ event, replay: true });
        else orders.push(event);
      },
      { name: 'order-log' },
    );
    await conveyor.worker({ queues: ['events'], concurrency: 4, handleSignals: false }).start();
  });
  afterAll(async () => {
    await conveyor?.close();
  });

  it('defaults to the seed policy: 4 attempts, exponential 1 s, 4 s, 16 s', async () => {
    const [row] = await sql<{
      max_attempts: number;
      backoff: { delayMs: number; factor: number; type: string };
    }>(db.url, "SELECT max_attempts, backoff FROM conveyor.event_subscriptions WHERE name = 'order-log'");
    expect(row?.max_attempts).toBe(4);
    expect(row?.backoff).toMatchObject({ type: 'exponential', delayMs: 1_000, factor: 4 });
    expect([1, 2, 3].map((n) => backoffDelay(row!.backoff as never, n))).toEqual([1_000, 4_000, 16_000]);
    // A subscription is registered by a stable name, once per process; bad input names its field.
    await expect(bus.subscribe('*', () => null, { name: 'order-log' })).rejects.toMatchObject({
      field: 'options.name',
    });
    await expect(bus.subscribe('*', () => null, {} as never)).rejects.toMatchObject({
      field: 'options.name',
    });
    await expect(bus.subscribe('card.*.x', () => null, { name: 'x' })).rejects.toMatchObject({
      field: 'typeOrPattern',
    });
    await expect(bus.subscribe('*', () => null, { name: 'y', attempts: 0 })).rejects.toMatchObject({
      field: 'options.attempts',
    });
  });

  it('retries a subscriber that throws, then leaves its delivery in the dead-letter queue', async () => {
    const failing = defineEvent({ type: 'order.failing', schema: z.object({ orderId: z.string() }) });
    const dead = new Promise<void>((resolve) => {
      conveyor.on('job:dead', (e) => {
        if (e.job.name === 'event:mailer') resolve();
      });
    });
    const published = await bus.publish(failing, { orderId: 'o-9' }, { tenantId: 'acme' });
    await dead;
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((a) => a.id))).toEqual(new Set([published.id]));
    // 40 ms then 160 ms between attempts (at least).
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(35);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(150);
    const letters = await conveyor.deadLetters.list({ name: 'event:mailer' });
    expect(letters).toHaveLength(1);
    expect(letters[0]?.payload).toMatchObject({ id: published.id, type: 'order.failing', tenantId: 'acme' });
    expect(letters[0]?.errors?.map((e) => e.message)).toEqual([
      'mail server down',
      'mail server down',
      'mail server down',
    ]);
    const metrics = parseMetrics((await conveyor.metrics.scrape()).body);
    expect(
      sampleValue(metrics.samples, 'conveyor_event_subscriber_failures_total', { subscriber: 'mailer' }),
    ).toBe(3);
    // The seed's histograms: event.publish.latency and event.handler.duration.
    expect(
      sampleValue(metrics.samples, 'conveyor_event_publish_duration_seconds_count', {
        event: 'order.failing',
      }),
    ).toBe(1);
    expect(
      sampleValue(metrics.samples, 'conveyor_event_handler_duration_seconds_count', {
        event: 'order.failing',
        handler: 'mailer',
      }),
    ).toBe(3);
    // Its lag: the dead delivery no longer waits, so nothing is owed to the mailer.
    expect((await bus.lag()).find((l) => l.kind === 'subscriber' && l.name === 'mailer')?.seconds).toBe(0);
  });

  it('upcasts an old version for a consumer of the new one, and counts deliveries per version', async () => {
    const v1 = await oldPublisher.publish(
      cardTransition,
      { cardId: 'c1', loopId: 'L1', toStage: 'triggered' },
      { tenantId: 'acme' },
    );
    const v2 = await bus.publish(
      cardTransitionV2,
      { cardId: 'c2', loopId: 'L1', toStage: 'ordered', method: 'scan' },
      { tenantId: 'acme' },
    );
    await upcast.until(2);
    const byId = new Map(upcast.events.map((e) => [e.id, e]));
    expect(byId.get(v1.id)).toMatchObject({ schemaVersion: 2, payload: { cardId: 'c1', method: 'manual' } });
    expect(byId.get(v2.id)).toMatchObject({ schemaVersion: 2, payload: { cardId: 'c2', method: 'scan' } });
    // Counted after the handler returned.
    await eventually(async () => {
      const metrics = parseMetrics((await conveyor.metrics.scrape()).body);
      const delivered = (version: string) =>
        sampleValue(metrics.samples, 'conveyor_event_deliveries_total', {
          event: 'card.transition',
          version,
          subscriber: 'kanban-board',
        });
      expect(delivered('1')).toBe(1);
      expect(delivered('2')).toBe(1);
    });
  });

  it('dual-publishes a breaking change as the deprecated type during its window only', async () => {
    const before = upcast.events.length;
    const during = createEventBus({
      conveyor,
      events: [cardMoved(new Date(Date.now() + 86_400_000))],
      relay: false,
      localFanout: false,
      retention: false,
    });
    const moved = await during.publish(
      cardMoved(new Date(Date.now() + 86_400_000)),
      { card: 'c3', loop: 'L2', stage: 'received' },
      { tenantId: 'acme' },
    );
    await upcast.until(before + 1);
    const twin = upcast.events[before]!;
    expect(twin).toMatchObject({
      type: 'card.transition',
      causationId: moved.id,
      payload: { cardId: 'c3', toStage: 'received', method: 'manual' },
    });
    expect(twin.sequence).toBe(moved.sequence + 1);

    const after = cardMoved(new Date(Date.now() - 1_000));
    await during.publish(after, { card: 'c4', loop: 'L2', stage: 'received' }, { tenantId: 'acme' });
    const rows = await sql(
      db.url,
      "SELECT type FROM conveyor.events WHERE payload->>'cardId' = 'c4' OR payload->>'card' = 'c4'",
    );
    expect(rows.map((r) => r.type)).toEqual(['card.moved']);
  });

  it("replays one subscriber's events of one tenant in a time window", async () => {
    await bus.publish(orderCreated, { orderId: 'r1', orderNumber: 'PO-1' }, { tenantId: 'initech' });
    await delay(20);
    const since = new Date();
    await delay(20);
    await bus.publish(orderCreated, { orderId: 'r2', orderNumber: 'PO-2' }, { tenantId: 'initech' });
    await bus.publish(orderCreated, { orderId: 'r3', orderNumber: 'PO-3' }, { tenantId: 'initech' });
    await bus.publish(orderCreated, { orderId: 'other', orderNumber: 'PO-9' }, { tenantId: 'umbrella' });
    await orders.until(4);
    const until = new Date(Date.now() + 1_000);
    await expect(
      bus.replay({ subscriber: 'nobody', tenantId: 'initech', since, until }),
    ).rejects.toMatchObject({
      field: 'subscriber',
    });
    const { enqueued } = await bus.replay({ subscriber: 'order-log', tenantId: 'initech', since, until });
    expect(enqueued).toBe(2);
    for (let i = 0; i < 200 && replayed.length < 2; i += 1) await delay(25);
    // Two jobs on a worker of concurrency 4: they may run in either order.
    replayed.sort((a, b) => a.event.sequence - b.event.sequence);
    expect(replayed.map((r) => r.event.payload)).toEqual([
      { orderId: 'r2', orderNumber: 'PO-2' },
      { orderId: 'r3', orderNumber: 'PO-3' },
    ]);
    expect(orders.events).toHaveLength(4); // the originals were not delivered again
  });

  it('prunes dispatched events past the retention age in batches, and history reports the gap', async () => {
    await bus.publish(orderCreated, { orderId: 'p1', orderNumber: 'PO-1' }, { tenantId: 'oldco' });
    await bus.publish(orderCreated, { orderId: 'p2', orderNumber: 'PO-2' }, { tenantId: 'oldco' });
    await bus.publish(orderCreated, { orderId: 'p3', orderNumber: 'PO-3' }, { tenantId: 'oldco' });
    // relayed() returns at once while this process does not lead the relay (an election under
    // load can take a moment): wait for the dispatch itself.
    await eventually(async () => {
      const [stream] = await sql<{ dispatched_sequence: string }>(
        db.url,
        "SELECT dispatched_sequence FROM conveyor.event_streams WHERE stream = 'oldco'",
      );
      expect(Number(stream?.dispatched_sequence)).toBe(3);
    });
    // The first two happened 8 days ago; the third is recent.
    await sql(
      db.url,
      "UPDATE conveyor.events SET occurred_at = now() - interval '8 days' WHERE stream = 'oldco' AND sequence <= 2",
    );
    expect(await bus.history.since({ tenantId: 'oldco', afterSequence: 0, limit: 10 })).toMatchObject({
      complete: true,
    });
    expect(await bus.prune()).toBe(2);
    const afterPrune = await bus.history.since({ tenantId: 'oldco', afterSequence: 0, limit: 10 });
    expect(afterPrune.complete).toBe(false);
    expect(afterPrune.events.map((e) => e.sequence)).toEqual([3]);
    expect(await bus.history.since({ tenantId: 'oldco', afterSequence: 2, limit: 10 })).toMatchObject({
      complete: true,
    });
    expect((await bus.history.since({ tenantId: 'oldco', afterSequence: 1, limit: 10 })).complete).toBe(
      false,
    );
    // An undispatched event is never pruned, however old. The relay is stopped first (this is the
    // file's last test): running, it would dispatch event 3 again between the UPDATE and the prune.
    await bus.close();
    const quiet = createEventBus({ conveyor, relay: false, localFanout: false });
    try {
      await sql(
        db.url,
        "UPDATE conveyor.events SET occurred_at = now() - interval '8 days' WHERE stream = 'oldco'",
      );
      await sql(db.url, "UPDATE conveyor.event_streams SET dispatched_sequence = 2 WHERE stream = 'oldco'");
      expect(await quiet.prune()).toBe(0);
    } finally {
      await quiet.close();
    }
  });
});
