/**
 * Notifications on PostgreSQL through the bus: one event fans out to every active user of its
 * tenant (inactive users and other tenants get nothing) in one transaction with its
 * `notification.created` events; a second delivery of the event writes nothing; the inbox pages,
 * filters, counts and marks; preferences switch channels off and mandatory types stay on; a user
 * never lists, counts or marks another user's or tenant's notifications, even with guessed ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ardaNotificationRules, ardaNotificationTypes } from '../../examples/arda/notification-rules.ts';
import {
  type Conveyor,
  createEventBus,
  type EventBus,
  type EventEnvelope,
  ValidationError,
} from '../../src/index.ts';
import { createNotifier, type Notifier } from '../../src/notify/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { cardTransition, eventually, orderCreated, orderStatusChanged, Received } from './notify-support.ts';

const db = useConveyorDatabase();

describe('fan-out and the inbox', () => {
  let conveyor: Conveyor;
  let bus: EventBus;
  let notifier: Notifier;
  const live = new Received();

  beforeAll(async () => {
    conveyor = db.open({ jobs: [] });
    bus = createEventBus({ conveyor, source: 'orders', relay: { pollInterval: '100ms' }, retention: false });
    notifier = await createNotifier({
      conveyor,
      bus,
      rules: ardaNotificationRules,
      types: ardaNotificationTypes,
      mandatory: ['exception_alert'],
      digest: false,
    });
    await notifier.upsertUsers([
      { tenantId: 'acme', userId: 'u1' },
      { tenantId: 'acme', userId: 'u2' },
      { tenantId: 'acme', userId: 'u3' },
      { tenantId: 'acme', userId: 'gone', active: false },
      { tenantId: 'globex', userId: 'g1' },
    ]);
    await bus.fanout.subscribe({ tenantId: 'acme' }, (event) => {
      if (event.type.startsWith('notification.')) live.push(event);
    });
    await conveyor.worker({ queues: ['notifications'], concurrency: 4, handleSignals: false }).start();
  });
  afterAll(async () => {
    await conveyor?.close();
  });

  it('fans one event out to every active user of its tenant, with one notification.created per user', async () => {
    const event = await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-0001' },
      { tenantId: 'acme' },
    );
    await live.until(3);
    const created = live.events.filter((e) => e.type === 'notification.created');
    expect(created.map((e) => (e.payload as { userId: string }).userId).sort()).toEqual(['u1', 'u2', 'u3']);
    for (const e of created) {
      expect(e.causationId).toBe(event.id);
      expect(e.payload).toMatchObject({
        notificationType: 'po_created',
        title: 'New purchase order created',
        unreadCount: 1,
      });
    }
    const rows = await sql(
      db.url,
      'SELECT tenant_id, user_id, type, title, event_id::text AS event_id FROM conveyor.notifications ORDER BY user_id',
    );
    expect(rows).toEqual(
      ['u1', 'u2', 'u3'].map((user) => ({
        tenant_id: 'acme',
        user_id: user,
        type: 'po_created',
        title: 'New purchase order created',
        event_id: event.id,
      })),
    );
    const page = await notifier.inbox({ tenantId: 'acme', userId: 'u1' }).list();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      type: 'po_created',
      body: 'PO-0001',
      link: '/orders/o1',
      readAt: null,
    });
    expect(await notifier.inbox({ tenantId: 'acme', userId: 'gone' }).unreadCount()).toBe(0);
    expect(await notifier.inbox({ tenantId: 'globex', userId: 'g1' }).unreadCount()).toBe(0);
  });

  it('writes nothing when the same event is delivered again (retry or replay)', async () => {
    const [row] = await sql(
      db.url,
      "SELECT id::text AS id, payload FROM conveyor.events WHERE type = 'order.created'",
    );
    const again = await notifier.handle({
      id: row?.id,
      type: 'order.created',
      schemaVersion: 1,
      source: 'orders',
      tenantId: 'acme',
      sequence: 1,
      correlationId: null,
      causationId: null,
      occurredAt: new Date().toISOString(),
      payload: row?.payload,
    } as unknown as EventEnvelope);
    expect(again).toMatchObject({ type: 'po_created', written: false, notifications: 0 });
    const [count] = await sql(db.url, 'SELECT count(*)::int AS n FROM conveyor.notifications');
    expect(count?.n).toBe(3);
  });

  it('pages the inbox with a cursor, filters by unread and type, marks read and archives', async () => {
    for (let i = 2; i <= 5; i += 1) {
      await bus.publish(
        orderStatusChanged,
        {
          orderType: 'purchase_order',
          orderId: `o${i}`,
          orderNumber: `PO-000${i}`,
          fromStatus: 'draft',
          toStatus: 'sent',
        },
        { tenantId: 'acme' },
      );
    }
    await bus.publish(
      cardTransition,
      { cardId: 'c1', loopId: 'L1', toStage: 'triggered' },
      { tenantId: 'acme' },
    );
    const inbox = notifier.inbox({ tenantId: 'acme', userId: 'u1' });
    await eventually(async () => expect(await inbox.unreadCount()).toBe(6));

    const first = await inbox.list({ limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.nextCursor).not.toBeNull();
    const second = await inbox.list({ limit: 4, cursor: first.nextCursor });
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((n) => n.id);
    expect(new Set(ids).size).toBe(6);

    expect((await inbox.list({ type: 'po_sent' })).items).toHaveLength(4);
    const sent = (await inbox.list({ type: 'po_sent' })).items.map((n) => n.id);
    expect(await inbox.markRead(sent[0] as string)).toEqual({ changed: 1, unread: 5 });
    expect(await inbox.markRead(sent.slice(1, 3))).toEqual({ changed: 2, unread: 3 });
    expect((await inbox.list({ unread: true })).items).toHaveLength(3);
    expect(await inbox.archive(sent[3] as string)).toEqual({ changed: 1, unread: 2 });
    expect((await inbox.list()).items).toHaveLength(5);
    expect((await inbox.list({ archived: true })).items).toHaveLength(6);
    // All: the two unread in view and the archived one.
    expect(await inbox.markAllRead()).toEqual({ changed: 3, unread: 0 });
    // The unread count change is published for the gateway.
    await eventually(() =>
      expect(
        live.events.some(
          (e) =>
            e.type === 'notification.unread_changed' &&
            (e.payload as { userId: string; unreadCount: number }).unreadCount === 0,
        ),
      ).toBe(true),
    );
    // u2 is untouched.
    expect(await notifier.inbox({ tenantId: 'acme', userId: 'u2' }).unreadCount()).toBe(6);
  });

  it('never lists, counts or marks another user’s or tenant’s notifications, even with their ids', async () => {
    const victim = notifier.inbox({ tenantId: 'acme', userId: 'u2' });
    const victimIds = (await victim.list({ limit: 100 })).items.map((n) => n.id);
    expect(victimIds).toHaveLength(6);
    const attackers = [
      notifier.inbox({ tenantId: 'acme', userId: 'u3-not' }),
      notifier.inbox({ tenantId: 'globex', userId: 'u2' }), // same user id, other tenant
      notifier.inbox({ tenantId: 'globex', userId: 'g1' }),
    ];
    for (const attacker of attackers) {
      expect((await attacker.list({ limit: 100 })).items).toEqual([]);
      expect(await attacker.unreadCount()).toBe(0);
      expect(await attacker.markRead(victimIds)).toEqual({ changed: 0, unread: 0 });
      expect(await attacker.archive(victimIds)).toEqual({ changed: 0, unread: 0 });
      expect(await attacker.markAllRead()).toEqual({ changed: 0, unread: 0 });
    }
    expect(await victim.unreadCount()).toBe(6);
    // A cursor made from the victim's page reveals nothing of theirs to another scope.
    const cursor = (await victim.list({ limit: 1 })).nextCursor;
    expect((await attackers[1]?.list({ cursor }))?.items).toEqual([]);
  });

  it('refuses bad input naming the field, writing nothing', async () => {
    const inbox = notifier.inbox({ tenantId: 'acme', userId: 'u1' });
    await expect(inbox.markRead(['not-a-uuid'])).rejects.toMatchObject({ field: 'ids[0]' });
    await expect(inbox.list({ limit: 0 })).rejects.toMatchObject({ field: 'limit' });
    await expect(inbox.list({ cursor: 'garbage' })).rejects.toMatchObject({ field: 'cursor' });
    expect(() => notifier.inbox({ tenantId: '', userId: 'u1' })).toThrow(ValidationError);
    await expect(
      notifier.upsertUsers([
        { tenantId: 'acme', userId: 'ok' },
        { tenantId: 'acme', userId: 'tz', digest: { frequency: 'daily', timeZone: 'Mars/Olympus' } },
      ]),
    ).rejects.toMatchObject({ field: 'users[1].digest.timeZone' });
    const [row] = await sql(
      db.url,
      "SELECT count(*)::int AS n FROM conveyor.notify_users WHERE user_id = 'ok'",
    );
    expect(row?.n).toBe(0);
  });

  it('switches in-app off per user and type; a tenant override changes the default; mandatory types stay on', async () => {
    await notifier.preferences.set({ tenantId: 'acme', userId: 'u1' }, [
      { type: 'wo_status_change', channel: 'in_app', enabled: false },
    ]);
    await notifier.preferences.setTenant('acme', [
      { type: 'transfer_status_change', channel: 'in_app', enabled: false },
    ]);
    await notifier.preferences.setTenant('acme', [
      { type: 'system_alert', channel: 'in_app', enabled: true, mandatory: true },
    ]);
    await expect(
      notifier.preferences.set({ tenantId: 'acme', userId: 'u1' }, [
        { type: 'exception_alert', channel: 'email', enabled: false },
      ]),
    ).rejects.toMatchObject({ field: 'changes[0].enabled' });
    await expect(
      notifier.preferences.set({ tenantId: 'acme', userId: 'u1' }, [
        { type: 'system_alert', channel: 'in_app', enabled: false },
      ]),
    ).rejects.toMatchObject({ field: 'changes[0].enabled' });

    const base = { orderId: 'x', orderNumber: 'N-1', fromStatus: 'a', toStatus: 'b' };
    await bus.publish(orderStatusChanged, { ...base, orderType: 'work_order' }, { tenantId: 'acme' });
    await bus.publish(orderStatusChanged, { ...base, orderType: 'transfer_order' }, { tenantId: 'acme' });
    await bus.publish(orderStatusChanged, { ...base, orderType: 'purchase_order' }, { tenantId: 'acme' });
    const u2 = notifier.inbox({ tenantId: 'acme', userId: 'u2' });
    await eventually(async () => expect((await u2.list({ type: 'system_alert' })).items).toHaveLength(1));
    await eventually(async () => expect((await u2.list({ type: 'wo_status_change' })).items).toHaveLength(1));
    const u1 = notifier.inbox({ tenantId: 'acme', userId: 'u1' });
    expect((await u1.list({ type: 'system_alert' })).items).toHaveLength(1);
    expect((await u1.list({ type: 'wo_status_change' })).items).toHaveLength(0); // u1 switched it off
    expect((await u1.list({ type: 'transfer_status_change' })).items).toHaveLength(0); // tenant default off
    expect((await u2.list({ type: 'transfer_status_change' })).items).toHaveLength(0);

    const prefs = await notifier.preferences.get({ tenantId: 'acme', userId: 'u1' });
    const pick = (type: string, channel: string) =>
      prefs.find((p) => p.type === type && p.channel === channel);
    expect(pick('wo_status_change', 'in_app')).toMatchObject({ enabled: false, source: 'user' });
    expect(pick('transfer_status_change', 'in_app')).toMatchObject({ enabled: false, source: 'tenant' });
    expect(pick('system_alert', 'in_app')).toMatchObject({ enabled: true, source: 'mandatory' });
    expect(pick('exception_alert', 'webhook')).toMatchObject({ enabled: true, source: 'mandatory' });
    // The seed's defaults.
    expect(pick('po_created', 'email')).toMatchObject({ enabled: true, source: 'default' });
    expect(pick('po_sent', 'email')).toMatchObject({ enabled: false, source: 'default' });
    expect(pick('card_triggered', 'in_app')).toMatchObject({ enabled: true, source: 'default' });
    expect(pick('card_triggered', 'webhook')).toMatchObject({ enabled: false, source: 'default' });
  });

  it('counts fan-out in notification.fanout (notification_fanout_total)', async () => {
    const { body: text } = await conveyor.metrics.scrape();
    expect(text).toMatch(/notification_fanout_total\{event="order.created",channel="in_app"\} 3/);
  });
});
