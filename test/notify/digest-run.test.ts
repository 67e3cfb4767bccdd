/**
 * Digest runs on PostgreSQL with three runners (three Conveyor instances) racing: each due user
 * gets exactly one digest email per period, over a real SMTP server, with the seed's layout
 * (counts per type, recent activity); their notifications are marked digest_sent but stay unread;
 * after a 3-day outage a user gets one digest, not three; a user not due gets none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ardaNotificationRules,
  ardaNotificationTypes,
  ardaTypeLabel,
} from '../../examples/arda/notification-rules.ts';
import { type Conveyor, createEventBus, type EventEnvelope } from '../../src/index.ts';
import { createNotifier, type Notifier } from '../../src/notify/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { settled } from './notify-support.ts';
import { startSmtpInbox } from './smtp-inbox.ts';

const db = useConveyorDatabase();
const USERS = 30;
const zones = ['America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu'];

function event(id: string, type: string, payload: Record<string, unknown>): EventEnvelope {
  return {
    id,
    type,
    schemaVersion: 1,
    source: 'test',
    tenantId: 'acme',
    sequence: 1,
    correlationId: null,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload,
  } as unknown as EventEnvelope;
}

describe('digest runs', () => {
  const conveyors: Conveyor[] = [];
  const notifiers: Notifier[] = [];
  let smtp: Awaited<ReturnType<typeof startSmtpInbox>>;

  beforeAll(async () => {
    smtp = await startSmtpInbox();
    for (let i = 0; i < 3; i += 1) {
      const conveyor = db.open({ jobs: [] });
      const bus = createEventBus({ conveyor, relay: false, retention: false });
      conveyors.push(conveyor);
      notifiers.push(
        await createNotifier({
          conveyor,
          bus,
          rules: ardaNotificationRules,
          types: ardaNotificationTypes,
          digest: { batchSize: 4, interval: '1h' }, // small batches: the runners interleave; the test runs them
          email: {
            transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
            from: 'Arda <no-reply@arda.example>',
            appName: 'Arda',
            inboxUrl: 'https://app.example/notifications',
            typeLabel: ardaTypeLabel,
          },
        }),
      );
    }
    const [first] = notifiers as [Notifier];
    await first.upsertUsers([
      ...Array.from({ length: USERS }, (_, i) => ({
        tenantId: 'acme',
        userId: `d${i}`,
        email: `d${i}@acme.example`,
        digest: { frequency: 'daily' as const, deliveryHour: 8, timeZone: zones[i % zones.length] as string },
      })),
      {
        tenantId: 'acme',
        userId: 'later',
        email: 'later@acme.example',
        digest: { frequency: 'daily', timeZone: 'UTC' },
      },
    ]);
    const po = { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-0042' };
    await first.handle(event('0190a000-0000-7000-8000-000000000001', 'order.created', po));
    await first.handle(
      event('0190a000-0000-7000-8000-000000000002', 'order.created', { ...po, orderNumber: 'PO-0043' }),
    );
    await first.handle(
      event('0190a000-0000-7000-8000-000000000003', 'card.transition', {
        cardId: 'c7',
        toStage: 'triggered',
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(conveyors.map((c) => c.close()));
    await smtp?.close();
  });

  it('three racing runners send each due user exactly one digest, in the seed’s layout, leaving them unread', async () => {
    // 'later' is due tomorrow; make everyone else due now.
    await sql(
      db.url,
      "UPDATE conveyor.notify_users SET next_digest_at = now() - interval '1 minute' WHERE user_id <> 'later'",
    );
    await sql(
      db.url,
      "UPDATE conveyor.notify_users SET next_digest_at = now() + interval '1 day' WHERE user_id = 'later'",
    );
    const now = new Date();
    const reports = await Promise.all(notifiers.map((n) => n.runDigests(now)));
    expect(reports.reduce((sum, r) => sum + r.digests, 0)).toBe(USERS);
    expect(reports.reduce((sum, r) => sum + r.claimed, 0)).toBe(USERS);
    // Running again in the same period finds nobody.
    const again = await Promise.all(notifiers.map((n) => n.runDigests(now)));
    expect(again.reduce((sum, r) => sum + r.claimed, 0)).toBe(0);

    await conveyors[0]?.worker({ queues: ['notifications'], concurrency: 8, handleSignals: false }).start();
    await smtp.received.until(USERS);
    await settled(db.url, { relayed: async () => {} });
    const recipients = smtp.received.mails.map((m) => m.envelopeTo[0]).sort();
    expect(recipients).toEqual(Array.from({ length: USERS }, (_, i) => `d${i}@acme.example`).sort());

    const mail = smtp.received.mails.find((m) => m.envelopeTo[0] === 'd1@acme.example')?.mail;
    const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata' }).format(now);
    expect(mail?.subject).toBe(`Arda Daily Digest -- ${localDate}`);
    expect(mail?.text).toContain('Summary:\n- 2 new purchase orders created\n- 1 card triggered');
    expect(mail?.text).toContain(
      'Recent Activity:\n1. Kanban card moved to triggered\n2. New purchase order created',
    );
    expect(mail?.text).toContain('[View all notifications -> https://app.example/notifications]');
    expect(mail?.html).toContain('<li>2 new purchase orders created</li>');

    const [state] = await sql(
      db.url,
      `SELECT count(*) FILTER (WHERE digest_sent_at IS NOT NULL)::int AS sent,
              count(*) FILTER (WHERE read_at IS NOT NULL)::int AS read,
              count(*) FILTER (WHERE user_id = 'later' AND digest_sent_at IS NULL)::int AS later_pending
       FROM conveyor.notifications`,
    );
    expect(state).toEqual({ sent: USERS * 3, read: 0, later_pending: 3 });
    const [user] = await sql(
      db.url,
      "SELECT last_digest_at IS NOT NULL AS has_last, next_digest_at > now() AS in_future FROM conveyor.notify_users WHERE user_id = 'd0'",
    );
    expect(user).toEqual({ has_last: true, in_future: true });
  });

  it('after a 3-day outage a user gets one digest, not one per missed day', async () => {
    const [first] = notifiers as [Notifier];
    await first.handle(
      event('0190a000-0000-7000-8000-000000000004', 'order.created', {
        orderType: 'purchase_order',
        orderNumber: 'PO-1',
      }),
    );
    // 'later' was due 3 days and 1 minute ago; nothing ran meanwhile.
    await sql(
      db.url,
      "UPDATE conveyor.notify_users SET next_digest_at = now() - interval '3 days 1 minute' WHERE user_id = 'later'",
    );
    const before = smtp.received.mails.length;
    const reports = await Promise.all(notifiers.map((n) => n.runDigests(new Date())));
    expect(reports.reduce((sum, r) => sum + r.digests, 0)).toBe(1);
    await smtp.received.until(before + 1);
    await settled(db.url, { relayed: async () => {} });
    const reports2 = await Promise.all(notifiers.map((n) => n.runDigests(new Date())));
    expect(reports2.reduce((sum, r) => sum + r.claimed, 0)).toBe(0);
    expect(smtp.received.mails.slice(before).map((m) => m.envelopeTo[0])).toEqual(['later@acme.example']);
    const [row] = await sql(
      db.url,
      "SELECT next_digest_at > now() AS in_future, next_digest_at < now() + interval '1 day 1 minute' AS within_a_day FROM conveyor.notify_users WHERE user_id = 'later'",
    );
    expect(row).toEqual({ in_future: true, within_a_day: true });
  });
});
