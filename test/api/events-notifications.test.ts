/**
 * The event and notification routes: recent events by sequence cursor, consumer lag, replay
 * (operator+, audited), and the caller's own inbox (a JWT's user; an API key gets 400). Tenancy:
 * an acme credential never lists, replays, reads or marks globex's events or notifications, with
 * globex's ids and names guessed. Without a bus or notifier the routes are not served at all.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/api/index.ts';
import { sql } from '../support/database.ts';
import { useApiFixture } from './api-fixture.ts';

const api = useApiFixture();
const SECRET = 'events-notifications-test-secret!!';

/** A real signed bearer token (HMAC-SHA256): tampered or forged ones are refused. */
const sign = (claims: { userId: string; tenantId: string | null; role: string }): string => {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `t1.${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
};
const verifier = {
  async verify(token: string) {
    const [, body = '', mac = ''] = token.split('.');
    const expected = createHmac('sha256', SECRET).update(body).digest();
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new Error('Invalid token');
    return JSON.parse(Buffer.from(body, 'base64url').toString()) as {
      userId: string;
      tenantId: string | null;
      role: string;
    };
  },
};

async function asUser(token: string, method: string, path: string, body?: unknown) {
  const handler = createApiHandler({
    conveyor: api.conveyor,
    auth: { tokens: verifier },
    events: api.bus,
    notifier: api.notifier,
  });
  const response = await handler.fetch(
    new Request(`http://localhost/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }),
  );
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field.
  return { status: response.status, body: (await response.json()) as any };
}

const acmeUser = sign({ userId: 'u_acme', tenantId: 'acme', role: 'viewer' });
const hour = 3_600_000;
const window = () => ({
  since: new Date(Date.now() - hour).toISOString(),
  until: new Date(Date.now() + hour).toISOString(),
});

async function deliveryJobs(tenantId: string): Promise<number> {
  const [row] = await sql<{ n: number }>(
    api.url,
    "SELECT count(*)::int AS n FROM conveyor.jobs WHERE queue = 'events' AND tenant_id = $1",
    [tenantId],
  );
  return row!.n;
}

describe('GET /events', () => {
  it("lists the caller's tenant's events only, whatever `tenant` asks; an unscoped caller names the tenant", async () => {
    for (const path of ['/events', '/events?tenant=globex']) {
      const page = await api.call('acmeViewer', 'GET', path);
      expect(page.status, path).toBe(200);
      expect(page.body.tenantId).toBe('acme');
      expect(page.body.items.length).toBeGreaterThan(0);
      expect(page.body.items.every((e: { tenantId: string }) => e.tenantId === 'acme')).toBe(true);
      expect(page.body.items.map((e: { type: string }) => e.type)).toContain('order.placed');
      expect(JSON.stringify(page.body)).not.toMatch(/globex/);
    }
    const globex = await api.call('viewer', 'GET', '/events?tenant=globex');
    expect(globex.body.items.map((e: { payload: unknown }) => e.payload)).toContainEqual({
      orderId: 'globex-placed',
    });
    const unnamed = await api.call('viewer', 'GET', '/events');
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.field).toBe('query.tenant');
  });

  it('pages by sequence: `nextCursor` is the last sequence, and the next page starts after it', async () => {
    const all = (await api.call('viewer', 'GET', '/events?tenant=acme')).body.items;
    expect(all.length).toBeGreaterThan(1);
    const first = await api.call('viewer', 'GET', '/events?tenant=acme&limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toBe(String(all[0].sequence));
    const second = await api.call(
      'viewer',
      'GET',
      `/events?tenant=acme&limit=1&after=${first.body.nextCursor}`,
    );
    expect(second.body.items[0].sequence).toBe(all[1].sequence);
    for (const [query, field] of [
      ['after=-1', 'query.after'],
      ['after=x', 'query.after'],
      ['limit=0', 'query.limit'],
      ['limit=5000', 'query.limit'],
      ['since=1h', 'query'],
    ] as const) {
      const bad = await api.call('viewer', 'GET', `/events?tenant=acme&${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.contentType).toBe('application/problem+json');
      expect(bad.body.field, query).toBe(field);
    }
  });

  it('GET /events/lag: every durable subscriber and sink with its seconds behind', async () => {
    const lag = await api.call('acmeViewer', 'GET', '/events/lag');
    expect(lag.status).toBe(200);
    const audit = lag.body.items.find((l: { name: string }) => l.name === 'order-audit');
    expect(audit).toMatchObject({ kind: 'subscriber' });
    expect(audit.seconds).toBeGreaterThanOrEqual(0);
  });
});

describe('POST /events/replay', () => {
  it("an operator replays its own tenant's events, audited; a viewer cannot", async () => {
    const before = await deliveryJobs('acme');
    const viewer = await api.call('acmeViewer', 'POST', '/events/replay', {
      subscriber: 'order-audit',
      ...window(),
    });
    expect(viewer.status).toBe(403);
    expect(await deliveryJobs('acme')).toBe(before);
    const replay = await api.call('acmeOperator', 'POST', '/events/replay', {
      subscriber: 'order-audit',
      ...window(),
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ subscriber: 'order-audit', tenantId: 'acme', enqueued: 1 });
    expect(await deliveryJobs('acme')).toBe(before + 1);
    const audit = await api.call('admin', 'GET', '/audit?action=events.replay');
    expect(audit.body.items[0]).toMatchObject({
      action: 'events.replay',
      tenantId: 'acme',
      target: 'subscriber:order-audit',
    });
    const jwtOperator = sign({ userId: 'ops', tenantId: 'acme', role: 'operator' });
    expect(
      (await asUser(jwtOperator, 'POST', '/events/replay', { subscriber: 'order-audit', ...window() }))
        .status,
    ).toBe(200);
  });

  it('an acme credential naming globex (or the global stream) gets 404 and replays nothing', async () => {
    await api.handler.settled();
    const before = await api.snapshot();
    for (const body of [
      { subscriber: 'order-audit', tenant: 'globex', ...window() },
      { subscriber: 'order-audit', global: true, ...window() },
    ]) {
      const response = await api.call('acmeAdmin', 'POST', '/events/replay', body);
      expect(response.status).toBe(404);
      expect(JSON.stringify(response.body)).not.toMatch(/globex-placed/);
    }
    expect(await api.snapshot()).toBe(before);
    const globex = await api.call('operator', 'POST', '/events/replay', {
      subscriber: 'order-audit',
      tenant: 'globex',
      ...window(),
    });
    expect(globex.body.enqueued).toBe(1);
  });

  it('bad input is a 400 naming the field, and replays nothing', async () => {
    await api.handler.settled();
    const before = await api.snapshot();
    const { since, until } = window();
    for (const [body, field] of [
      [{ tenant: 'acme', since, until }, 'body.subscriber'],
      [{ subscriber: 'nobody', tenant: 'acme', since, until }, 'body.subscriber'],
      [{ subscriber: 'order-audit', since, until }, 'body.tenant'],
      [{ subscriber: 'order-audit', tenant: 'acme', since: until, until: since }, 'body.until'],
      [{ subscriber: 'order-audit', tenant: 'acme', since: 'yesterday', until }, 'body.since'],
      [{ subscriber: 'order-audit', tenant: 'acme', global: true, since, until }, 'body.global'],
      [{ subscriber: 'order-audit', tenant: 'acme', since, until, extra: 1 }, 'body'],
    ] as const) {
      const response = await api.call('operator', 'POST', '/events/replay', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.field, JSON.stringify(body)).toBe(field);
    }
    expect(await api.snapshot()).toBe(before);
  });
});

describe('notifications: the caller’s own inbox', () => {
  it('an API key has no user: 400 naming authorization', async () => {
    for (const [method, path, body] of [
      ['GET', '/notifications'],
      ['GET', '/notifications/unread-count'],
      ['POST', '/notifications/read', { all: true }],
      ['POST', '/notifications/archive', { ids: [api.notices.acme] }],
    ] as const) {
      const response = await api.call('acmeAdmin', method, path, body);
      expect(response.status, path).toBe(400);
      expect(response.body.field).toBe('authorization');
      expect(response.body.detail).toMatch(/JWT/);
    }
  });

  it('a user lists, counts, marks read and archives its own notifications', async () => {
    const page = await asUser(acmeUser, 'GET', '/notifications');
    expect(page.status).toBe(200);
    expect(page.body.items.map((n: { id: string }) => n.id)).toEqual([api.notices.acme]);
    expect(page.body.items[0]).toMatchObject({ type: 'order_placed', title: 'Order acme-placed placed' });
    expect((await asUser(acmeUser, 'GET', '/notifications/unread-count')).body).toEqual({ unread: 1 });
    expect((await asUser(acmeUser, 'GET', '/notifications?unread=true')).body.items).toHaveLength(1);
    const read = await asUser(acmeUser, 'POST', '/notifications/read', { ids: [api.notices.acme] });
    expect(read.body).toEqual({ changed: 1, unread: 0 });
    expect((await asUser(acmeUser, 'GET', '/notifications?unread=true')).body.items).toHaveLength(0);
    expect((await asUser(acmeUser, 'POST', '/notifications/read', { all: true })).body).toEqual({
      changed: 0,
      unread: 0,
    });
    const archived = await asUser(acmeUser, 'POST', '/notifications/archive', { ids: [api.notices.acme] });
    expect(archived.body).toMatchObject({ changed: 1 });
    expect((await asUser(acmeUser, 'GET', '/notifications')).body.items).toHaveLength(0);
    expect((await asUser(acmeUser, 'GET', '/notifications?archived=true')).body.items).toHaveLength(1);
    const audit = await api.call('admin', 'GET', '/audit?action=notification.archive');
    expect(audit.body.items[0]).toMatchObject({ actor: 'jwt:u_acme', target: 'inbox:jwt:u_acme' });
  });

  it("an acme user never lists or marks globex's notifications, with globex's ids and tenant guessed", async () => {
    const globexInbox = api.notifier.inbox({ tenantId: 'globex', userId: 'u_globex' });
    const impostor = sign({ userId: 'u_globex', tenantId: 'acme', role: 'admin' });
    for (const token of [acmeUser, impostor]) {
      for (const path of ['/notifications?tenant=globex', '/notifications?archived=true&tenant=globex']) {
        const page = await asUser(token, 'GET', path);
        expect(page.status).toBe(200);
        expect(JSON.stringify(page.body)).not.toMatch(/globex/);
      }
      expect(
        (await asUser(token, 'POST', '/notifications/read?tenant=globex', { ids: [api.notices.globex] }))
          .body,
      ).toMatchObject({ changed: 0 });
      expect(
        (await asUser(token, 'POST', '/notifications/archive?tenant=globex', { ids: [api.notices.globex] }))
          .body,
      ).toMatchObject({ changed: 0 });
      await asUser(token, 'POST', '/notifications/read?tenant=globex', { all: true });
    }
    expect(await globexInbox.unreadCount()).toBe(1);
    expect((await globexInbox.list()).items.map((n) => n.id)).toEqual([api.notices.globex]);
    // An unscoped user names its tenant, and sees that tenant's inbox of its own user only.
    const roaming = sign({ userId: 'u_globex', tenantId: null, role: 'viewer' });
    const unnamed = await asUser(roaming, 'GET', '/notifications/unread-count');
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.field).toBe('query.tenant');
    expect((await asUser(roaming, 'GET', '/notifications/unread-count?tenant=globex')).body).toEqual({
      unread: 1,
    });
    expect((await asUser(roaming, 'GET', '/notifications?tenant=acme')).body.items).toEqual([]);
  });

  it('bad input is a 400 naming the field, and marks nothing', async () => {
    const roaming = sign({ userId: 'u_globex', tenantId: 'globex', role: 'viewer' });
    for (const [path, body, field] of [
      ['/notifications/read', {}, 'body.ids'],
      ['/notifications/read', { ids: [api.notices.globex], all: true }, 'body.ids'],
      ['/notifications/read', { ids: ['not-a-uuid'] }, 'body.ids[0]'],
      ['/notifications/read', { ids: [] }, 'body.ids'],
      ['/notifications/read', { all: false }, 'body.all'],
      ['/notifications/archive', { ids: 'x' }, 'body.ids'],
      ['/notifications/archive', { ids: [api.notices.globex], extra: true }, 'body'],
    ] as const) {
      const response = await asUser(roaming, 'POST', path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.field, JSON.stringify(body)).toBe(field);
    }
    for (const [query, field] of [
      ['limit=0', 'query.limit'],
      ['unread=yes', 'query.unread'],
      ['archived=1', 'query.archived'],
    ] as const) {
      const response = await asUser(roaming, 'GET', `/notifications?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.field, query).toBe(field);
    }
    expect(await api.notifier.inbox({ tenantId: 'globex', userId: 'u_globex' }).unreadCount()).toBe(1);
  });
});

describe('without a bus or notifier', () => {
  it('the event and notification routes are not served (404) and not in the OpenAPI document', async () => {
    const handler = createApiHandler({ conveyor: api.conveyor, auth: { tokens: verifier } });
    const send = (path: string) =>
      handler.fetch(
        new Request(`http://localhost/api/v1${path}`, { headers: { authorization: `Bearer ${acmeUser}` } }),
      );
    for (const path of ['/events', '/events/lag', '/notifications', '/notifications/unread-count']) {
      const response = await send(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    const document = (await (await send('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((p) => /^\/(events|notifications)/.test(p))).toEqual([]);
    const full = (await asUser(acmeUser, 'GET', '/openapi.json')).body;
    expect(
      Object.keys(full.paths)
        .filter((p: string) => /^\/(events|notifications)/.test(p))
        .sort(),
    ).toEqual([
      '/events',
      '/events/lag',
      '/events/replay',
      '/notifications',
      '/notifications/archive',
      '/notifications/read',
      '/notifications/unread-count',
    ]);
  });
});
