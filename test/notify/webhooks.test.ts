/**
 * The webhook channel against a real HTTP receiver in the test: messages signed as Standard
 * Webhooks says, verified by the independent `standardwebhooks` package (a tampered body fails);
 * both keys sign during a rotation; only the types the tenant's webhook preferences allow are sent,
 * only to that tenant's endpoints; a failing endpoint is retried as a job with backoff, every
 * attempt in its delivery log, disabled once it has failed for `disableAfter`, and re-enabled by
 * an operator.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ardaNotificationRules, ardaNotificationTypes } from '../../examples/arda/notification-rules.ts';
import { type Conveyor, createEventBus, defineEvent, type EventBus } from '../../src/index.ts';
import { createNotifier, type Notifier, verifyStandardWebhook } from '../../src/notify/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { eventually, orderCreated, Received, settled } from './notify-support.ts';

const db = useConveyorDatabase();

const orderOverdue = defineEvent({
  type: 'order.overdue',
  version: 1,
  schema: z.object({ orderNumber: z.string(), days: z.number() }),
});

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function startReceiver(
  status: (path: string) => number,
): Promise<{ url: string; hits: Received & { list: Hit[] }; server: Server }> {
  const list: Hit[] = [];
  const hits = Object.assign(new Received(), { list });
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const hit = { path: req.url ?? '', headers: req.headers, body };
      list.push(hit);
      hits.push(hit as never);
      res.statusCode = status(hit.path);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    hits,
    server,
  };
}

const headersOf = (hit: Hit) => ({
  'webhook-id': String(hit.headers['webhook-id']),
  'webhook-timestamp': String(hit.headers['webhook-timestamp']),
  'webhook-signature': String(hit.headers['webhook-signature']),
});

describe('webhook notifications', () => {
  let conveyor: Conveyor;
  let bus: EventBus;
  let notifier: Notifier;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver((path) => (path.startsWith('/down') ? 503 : 204));
    conveyor = db.open({ jobs: [] });
    bus = createEventBus({ conveyor, relay: { pollInterval: '100ms' }, retention: false });
    notifier = await createNotifier({
      conveyor,
      bus,
      rules: [
        ...ardaNotificationRules,
        { event: 'order.overdue', type: 'exception_alert', title: '{orderNumber} is {days} days overdue' },
      ],
      types: ardaNotificationTypes,
      digest: false,
      webhooks: { attempts: 4, delay: '100ms', maxDelay: '200ms', disableAfter: '250ms' },
    });
    await notifier.upsertUsers([
      { tenantId: 'acme', userId: 'u1' },
      { tenantId: 'acme', userId: 'u2' },
    ]);
    await conveyor.worker({ queues: ['notifications'], concurrency: 4, handleSignals: false }).start();
  });
  afterAll(async () => {
    await conveyor?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('signs as Standard Webhooks says: the standardwebhooks package verifies it, a tampered body fails', async () => {
    const endpoint = await notifier.webhooks.create({ tenantId: 'acme', url: `${receiver.url}/acme` });
    await notifier.webhooks.create({ tenantId: 'globex', url: `${receiver.url}/globex` });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const event = await bus.publish(orderOverdue, { orderNumber: 'PO-0042', days: 3 }, { tenantId: 'acme' });
    await receiver.hits.until(1);
    await settled(db.url, bus);
    expect(receiver.hits.list.map((h) => h.path)).toEqual(['/acme']); // once per event, not per user; not globex
    const hit = receiver.hits.list[0] as Hit;
    const verified = new Webhook(endpoint.secret).verify(hit.body, headersOf(hit));
    expect(verified).toMatchObject({
      type: 'notification.exception_alert',
      data: {
        tenantId: 'acme',
        eventId: event.id,
        type: 'exception_alert',
        title: 'PO-0042 is 3 days overdue',
      },
    });
    expect(hit.headers['webhook-id']).toBe(`msg_${event.id}`);
    expect(() =>
      new Webhook(endpoint.secret).verify(hit.body.replace('PO-0042', 'PO-9999'), headersOf(hit)),
    ).toThrow();
    expect(
      verifyStandardWebhook({ headers: headersOf(hit), body: hit.body, secrets: [endpoint.secret] }),
    ).toBe(true);
    expect(
      verifyStandardWebhook({ headers: headersOf(hit), body: `${hit.body} `, secrets: [endpoint.secret] }),
    ).toBe(false);
    const log = await notifier.webhooks.deliveries('acme', endpoint.id);
    expect(log).toMatchObject([{ messageId: `msg_${event.id}`, attempt: 1, status: 204, error: null }]);
    // Another tenant cannot read this endpoint's log or re-enable it.
    expect(await notifier.webhooks.deliveries('globex', endpoint.id)).toEqual([]);
    expect(await notifier.webhooks.enable('globex', endpoint.id)).toBeNull();
  });

  it('sends only the types the tenant’s webhook preferences allow', async () => {
    const before = receiver.hits.list.length;
    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-1' },
      { tenantId: 'acme' },
    );
    await settled(db.url, bus);
    expect(receiver.hits.list.length).toBe(before); // po_created is off for webhooks by default
    await notifier.preferences.setTenant('acme', [{ type: 'po_created', channel: 'webhook', enabled: true }]);
    await bus.publish(
      orderCreated,
      { orderType: 'purchase_order', orderId: 'o2', orderNumber: 'PO-2' },
      { tenantId: 'acme' },
    );
    await receiver.hits.until(before + 1);
    expect(JSON.parse(receiver.hits.list.at(-1)?.body ?? '{}')).toMatchObject({
      type: 'notification.po_created',
    });
  });

  it('signs with both keys during a rotation', async () => {
    const [endpoint] = await notifier.webhooks.list('acme');
    const old = await notifier.webhooks.create({ tenantId: 'rot', url: `${receiver.url}/rot` });
    const rotated = await notifier.webhooks.rotateSecret('rot', old.id);
    expect(rotated?.secret).toMatch(/^whsec_/);
    await notifier.upsertUsers([{ tenantId: 'rot', userId: 'r1' }]);
    const before = receiver.hits.list.length;
    await bus.publish(orderOverdue, { orderNumber: 'PO-7', days: 9 }, { tenantId: 'rot' });
    await receiver.hits.until(before + 1);
    const hit = receiver.hits.list.at(-1) as Hit;
    expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new Webhook(old.secret).verify(hit.body, headersOf(hit))).toBeTruthy();
    expect(new Webhook(rotated?.secret ?? '').verify(hit.body, headersOf(hit))).toBeTruthy();
    expect(endpoint?.url).toBe(`${receiver.url}/acme`);
  });

  it('retries a failing endpoint with backoff, logs every attempt, disables it after disableAfter, and an operator re-enables it', async () => {
    const down = await notifier.webhooks.create({ tenantId: 'down', url: `${receiver.url}/down` });
    await notifier.upsertUsers([{ tenantId: 'down', userId: 'd1' }]);
    await bus.publish(orderOverdue, { orderNumber: 'PO-5', days: 1 }, { tenantId: 'down' });
    await eventually(async () => {
      const [endpoint] = await notifier.webhooks.list('down');
      expect(endpoint?.enabled).toBe(false);
    });
    await settled(db.url, bus);
    const log = await notifier.webhooks.deliveries('down', down.id);
    expect(log.length).toBeGreaterThanOrEqual(2);
    expect(log.every((d) => d.status === 503 && d.error === 'answered HTTP 503')).toBe(true);
    expect(log.map((d) => d.attempt)).toEqual([...log.map((d) => d.attempt)].sort((a, b) => b - a));
    // Disabled: a new message is skipped without a request.
    const hitsBefore = receiver.hits.list.filter((h) => h.path === '/down').length;
    await bus.publish(orderOverdue, { orderNumber: 'PO-6', days: 2 }, { tenantId: 'down' });
    await settled(db.url, bus);
    expect(receiver.hits.list.filter((h) => h.path === '/down').length).toBe(hitsBefore);
    const enabled = await notifier.webhooks.enable('down', down.id);
    expect(enabled).toMatchObject({ enabled: true, failingSince: null, disabledAt: null });
  });

  it('refuses a bad endpoint naming the field', async () => {
    await expect(notifier.webhooks.create({ tenantId: 'acme', url: 'ftp://x' })).rejects.toMatchObject({
      field: 'url',
    });
    await expect(
      notifier.webhooks.create({ tenantId: 'acme', url: 'https://x.example', secret: 'plain' }),
    ).rejects.toMatchObject({
      field: 'secret',
    });
    await expect(notifier.webhooks.deliveries('acme', 'nope')).rejects.toMatchObject({ field: 'id' });
  });
});
