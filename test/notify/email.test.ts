/**
 * The email channel against a real SMTP server in the test: an immediate email per recipient whose
 * preferences allow it, with the type's subject, text and HTML, the tenant's sender, and RFC 8058
 * one-click unsubscribe headers whose token switches that type's email off for that user only.
 */
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ardaNotificationRules, ardaNotificationTypes } from '../../examples/arda/notification-rules.ts';
import { type Conveyor, createEventBus, type EventBus } from '../../src/index.ts';
import { createNotifier, type Notifier } from '../../src/notify/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { eventually, orderCreated, orderStatusChanged, settled } from './notify-support.ts';
import { startSmtpInbox } from './smtp-inbox.ts';

const db = useConveyorDatabase();

/** A header as sent (mailparser structures List-* headers; the raw line is what a mail client reads). */
function rawHeader(mail: ParsedMail | undefined, name: string): string {
  const line = mail?.headerLines.find((h) => h.key === name)?.line ?? '';
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}

describe('email notifications over SMTP', () => {
  let conveyor: Conveyor;
  let bus: EventBus;
  let notifier: Notifier;
  let smtp: Awaited<ReturnType<typeof startSmtpInbox>>;

  beforeAll(async () => {
    smtp = await startSmtpInbox();
    conveyor = db.open({ jobs: [] });
    bus = createEventBus({ conveyor, relay: { pollInterval: '100ms' }, retention: false });
    notifier = await createNotifier({
      conveyor,
      bus,
      rules: ardaNotificationRules,
      types: ardaNotificationTypes,
      digest: false,
      email: {
        transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
        from: (tenantId) => `${tenantId} via Arda <no-reply@${tenantId}.example>`,
        unsubscribe: {
          url: 'https://app.example/notifications/unsubscribe',
          secret: 'test-unsubscribe-secret-0123',
        },
        templates: {
          po_received: {
            subject: (n) => `[Arda] ${n.title}`,
            html: (n) => `<p class="received">${n.body}</p>`,
          },
        },
      },
    });
    await notifier.upsertUsers([
      { tenantId: 'acme', userId: 'ann', email: 'ann@acme.example' },
      { tenantId: 'acme', userId: 'bob', email: 'bob@acme.example' },
      { tenantId: 'acme', userId: 'noemail' },
      {
        tenantId: 'acme',
        userId: 'dig',
        email: 'dig@acme.example',
        digest: { frequency: 'daily', timeZone: 'UTC' },
      },
    ]);
    await notifier.preferences.set({ tenantId: 'acme', userId: 'bob' }, [
      { type: 'po_received', channel: 'email', enabled: false },
    ]);
    await conveyor.worker({ queues: ['notifications'], concurrency: 4, handleSignals: false }).start();
  });
  afterAll(async () => {
    await conveyor?.close();
    await smtp?.close();
  });

  it('sends one email per recipient with subject, text, HTML, the tenant’s sender and unsubscribe headers', async () => {
    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-0042' },
      { tenantId: 'acme' },
    );
    await smtp.received.until(2);
    const byTo = new Map(smtp.received.mails.map((m) => [m.envelopeTo[0], m.mail]));
    expect([...byTo.keys()].sort()).toEqual(['ann@acme.example', 'bob@acme.example']); // not the digest user
    const mail = byTo.get('ann@acme.example');
    expect(mail?.subject).toBe('New purchase order created');
    expect(mail?.from?.text).toBe('"acme via Arda" <no-reply@acme.example>');
    expect(mail?.text).toContain('PO-0042');
    expect(mail?.text).toContain('Open: /orders/o1');
    expect(mail?.html).toContain('<h1>New purchase order created</h1>');
    expect(rawHeader(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribe = rawHeader(mail, 'list-unsubscribe');
    expect(unsubscribe).toMatch(/^<https:\/\/app\.example\/notifications\/unsubscribe\?token=[\w.-]+>$/);
  });

  it('uses the type’s template, and skips a user who switched that email off', async () => {
    const before = smtp.received.mails.length;
    await bus.publish(
      orderStatusChanged,
      {
        orderType: 'purchase_order',
        orderId: 'o1',
        orderNumber: 'PO-0042',
        fromStatus: 'sent',
        toStatus: 'received',
      },
      { tenantId: 'acme' },
    );
    await smtp.received.until(before + 1);
    await settled(db.url, bus);
    const mail = smtp.received.mails.at(-1);
    expect(mail?.envelopeTo).toEqual(['ann@acme.example']);
    expect(mail?.mail.subject).toBe('[Arda] Purchase order received');
    expect(mail?.mail.html).toContain('<p class="received">PO-0042 was received</p>');
    // bob still has it in-app.
    expect(
      (await notifier.inbox({ tenantId: 'acme', userId: 'bob' }).list({ type: 'po_received' })).items,
    ).toHaveLength(1);
  });

  it('a one-click unsubscribe token switches that type’s email off for that user only', async () => {
    const annMail = smtp.received.mails.find((m) => m.envelopeTo[0] === 'ann@acme.example')?.mail;
    const header = rawHeader(annMail, 'list-unsubscribe');
    const token = new URL(header.slice(1, -1)).searchParams.get('token') ?? '';
    expect(await notifier.unsubscribe(token)).toEqual({
      tenantId: 'acme',
      userId: 'ann',
      type: 'po_created',
    });
    await expect(notifier.unsubscribe(`${token}x`)).rejects.toMatchObject({ field: 'token' });
    const before = smtp.received.mails.length;
    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'o9', orderNumber: 'PO-0099' },
      { tenantId: 'acme' },
    );
    await smtp.received.until(before + 1);
    await eventually(async () =>
      expect(
        (await notifier.inbox({ tenantId: 'acme', userId: 'ann' }).list({ type: 'po_created' })).items,
      ).toHaveLength(2),
    );
    await settled(db.url, bus);
    expect(smtp.received.mails.slice(before).map((m) => m.envelopeTo[0])).toEqual(['bob@acme.example']);
  });
});
