/**
 * Bad notifier configuration is a ValidationError naming the field, before anything is written; a
 * rule whose condition throws fails that event's delivery job alone (recorded, to be retried) while
 * the next event fans out; an event of no tenant, or one no rule maps, notifies nobody.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Conveyor, createEventBus, type EventBus } from '../../src/index.ts';
import { createNotifier, type NotificationRule } from '../../src/notify/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { eventually, orderCreated } from './notify-support.ts';

const db = useConveyorDatabase();
const rule: NotificationRule = {
  event: 'order.created',
  type: 'po_created',
  title: 'New {orderType} created',
};

describe('notifier options and failing rules', () => {
  let conveyor: Conveyor;
  let bus: EventBus;

  beforeAll(async () => {
    conveyor = db.open({ jobs: [] });
    await conveyor.migrate();
    bus = createEventBus({ conveyor, relay: { pollInterval: '100ms' }, retention: false });
  });
  afterAll(async () => {
    await conveyor?.close();
  });

  it.each([
    [{ rules: [] }, 'createNotifier.rules'],
    [{ rules: [{ ...rule, type: 'PO Created' }] }, 'createNotifier.rules[0].type'],
    [{ rules: [rule, { event: 'order.created', type: 'x' }] }, 'createNotifier.rules[1].title'],
    [{ rules: [{ ...rule, recipients: 'everyone' }] }, 'createNotifier.rules[0].recipients'],
    [{ rules: [rule], webhooks: { attempts: 0 } }, 'createNotifier.webhooks.attempts'],
    [{ rules: [rule], email: { transport: {} } }, 'createNotifier.email.from'],
    [
      {
        rules: [rule],
        email: { transport: {}, from: 'a@b.c', unsubscribe: { url: 'https://x', secret: 'short' } },
      },
      'createNotifier.email.unsubscribe.secret',
    ],
    [{ rules: [rule], name: 'has space' }, 'createNotifier.name'],
    [{ rules: [rule], handledRetention: { age: '1h' } }, 'createNotifier.handledRetention.age'],
    [{ rules: [rule], digest: { interval: 'soon' } }, 'createNotifier.digest.interval'],
    [{ rules: [rule], digest: { batchSize: 0 } }, 'createNotifier.digest.batchSize'],
    [{ rules: [rule], bus: null }, 'createNotifier.bus'],
  ])('refuses %j naming %s', async (options, field) => {
    await expect(createNotifier({ conveyor, bus, ...(options as object) } as never)).rejects.toMatchObject({
      field,
    });
    const [row] = await sql(
      db.url,
      "SELECT count(*)::int AS n FROM conveyor.event_subscriptions WHERE name LIKE 'notifications%'",
    );
    expect(row?.n ?? 0).toBe(0);
  });

  it('a throwing condition fails that event’s job alone; the next event fans out', async () => {
    const notifier = await createNotifier({
      conveyor,
      bus,
      digest: false,
      rules: [
        {
          ...rule,
          when: (payload) => {
            if (payload.orderNumber === 'BOOM') throw new Error('condition failed on BOOM');
            return true;
          },
        },
      ],
    });
    await notifier.upsertUsers([{ tenantId: 'acme', userId: 'u1' }]);
    await conveyor.worker({ queues: ['notifications'], handleSignals: false }).start();
    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'b', orderNumber: 'BOOM' },
      { tenantId: 'acme' },
    );
    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'ok', orderNumber: 'PO-1' },
      { tenantId: 'acme' },
    );
    const inbox = notifier.inbox({ tenantId: 'acme', userId: 'u1' });
    await eventually(async () => expect(await inbox.unreadCount()).toBe(1));
    await eventually(async () => {
      const rows = await sql<{ errors: { message: string }[] }>(
        db.url,
        "SELECT errors FROM conveyor.jobs WHERE name = 'event:notifications.order.created'",
      );
      expect(rows.flatMap((r) => r.errors.map((e) => e.message))).toContain('condition failed on BOOM');
    });
    // No tenant, or no matching rule: nobody.
    expect(
      await notifier.handle({
        id: '0190a000-0000-7000-8000-0000000000aa',
        type: 'order.created',
        tenantId: null,
        payload: { orderType: 'x' },
      } as never),
    ).toMatchObject({ type: null, notifications: 0 });
    expect(
      await notifier.handle({
        id: '0190a000-0000-7000-8000-0000000000ab',
        type: 'loop.parameters_changed',
        tenantId: 'acme',
        payload: {},
      } as never),
    ).toMatchObject({ type: null, notifications: 0 });
    expect(await inbox.unreadCount()).toBe(1);
  });

  it('a second rule set on the same Conveyor sends to users picked from the event, in batches', async () => {
    const direct = await createNotifier({
      conveyor,
      bus,
      name: 'mentions',
      digest: false,
      fanoutBatchSize: 2,
      rules: [
        {
          event: 'card.transition',
          type: 'card_triggered',
          title: 'Card {cardId} needs you',
          recipients: (event) => [...((event.payload.userIds as string[]) ?? []), 'u1'],
        },
      ],
    });
    expect(direct.subscriptions.map((s) => s.name)).toEqual(['mentions.card.transition']);
    const report = await direct.handle({
      id: '0190a000-0000-7000-8000-0000000000ac',
      type: 'card.transition',
      tenantId: 'acme',
      payload: { cardId: 'c9', userIds: ['a', 'b', 'c', 'd', 'u1'] },
    } as never);
    // Five distinct users (u1 named twice), three insert statements of at most two.
    expect(report).toMatchObject({ type: 'card_triggered', written: true, notifications: 5 });
    expect(report.statements).toBe(1 + 3 + 1 + 1); // mark, 3 batches, webhook targets, outbox
    for (const userId of ['a', 'b', 'c', 'd']) {
      expect(await direct.inbox({ tenantId: 'acme', userId }).unreadCount()).toBe(1);
    }
    expect(await direct.inbox({ tenantId: 'other', userId: 'a' }).unreadCount()).toBe(0);
  });

  it('prunes handled marks older than the retention age and keeps younger ones', async () => {
    const notifier = await createNotifier({
      conveyor,
      bus,
      name: 'pruned',
      digest: false,
      handledRetention: { age: '30d', interval: '1h' },
      rules: [{ event: 'order.archived', type: 'system_alert', title: 'archived' }],
    });
    await sql(
      db.url,
      `INSERT INTO conveyor.notify_handled_events (rule_set, event_id, handled_at)
       VALUES ('pruned', '0190a000-0000-7000-8000-0000000000b1', now() - interval '31 days'),
              ('pruned', '0190a000-0000-7000-8000-0000000000b2', now() - interval '29 days')`,
    );
    expect(await notifier.pruneHandled()).toBeGreaterThanOrEqual(1);
    const rows = await sql(
      db.url,
      "SELECT event_id::text AS id FROM conveyor.notify_handled_events WHERE rule_set = 'pruned' ORDER BY 1",
    );
    expect(rows).toEqual([{ id: '0190a000-0000-7000-8000-0000000000b2' }]);
  });
});
