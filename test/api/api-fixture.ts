/**
 * A Conveyor on a fresh database with the REST API in front of it, seeded with two tenants' jobs
 * in every state (worked by a real worker), and an API key for every role, unscoped and scoped
 * to tenant `acme`; an event bus and notifier with an `order.placed` event and one notification
 * per tenant (users `u_acme`, `u_globex`). `call()` sends a request through the API's Fetch handler, as a host would.
 */
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import { type ApiHandler, createApiHandler, createApiKey } from '../../src/api/index.ts';
import { internalsOf } from '../../src/client/conveyor-internals.ts';
import { type Conveyor, createEventBus, defineEvent, defineJob, type EventBus } from '../../src/index.ts';
import { createNotifier, type Notifier } from '../../src/notify/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

export const emailJob = defineJob({
  name: 'send-email',
  queue: 'emails',
  schema: z.object({ to: z.string().min(3), orderId: z.string().optional() }),
  handler: async () => ({ sent: true }),
});

export const workJob = defineJob({
  name: 'work',
  queue: 'work',
  defaults: { attempts: 1 },
  handler: async ({ payload }: { payload: { fail?: boolean; orderId?: string } }) => {
    if (payload.fail) throw new Error(`order ${payload.orderId} failed`);
    return { done: payload.orderId };
  },
});

export const orderPlaced = defineEvent({
  type: 'order.placed',
  version: 1,
  schema: z.object({ orderId: z.string() }),
});

export type KeyName = 'admin' | 'operator' | 'viewer' | 'acmeAdmin' | 'acmeOperator' | 'acmeViewer';

/** Ids per tenant and state. */
export interface Seeded {
  ready: string;
  scheduled: string;
  dead: string;
  completed: string;
  email: string;
}

export interface ApiCall {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are read field by field.
  body: any;
}

export interface ApiFixture {
  readonly conveyor: Conveyor;
  readonly handler: ApiHandler;
  readonly keys: Record<KeyName, string>;
  readonly acme: Seeded;
  readonly globex: Seeded;
  readonly url: string;
  /** A viewer key to revoke. */
  readonly spareKeyId: string;
  readonly bus: EventBus;
  readonly notifier: Notifier;
  /** The notification ids of `u_acme` (acme) and `u_globex` (globex). */
  readonly notices: { acme: string; globex: string };
  call(
    key: KeyName | string | null,
    method: string,
    path: string,
    body?: unknown,
    ip?: string,
  ): Promise<ApiCall>;
  /** A digest of everything the API can change: jobs, runs, queues, groups, schedules, keys. */
  snapshot(): Promise<string>;
}

/** The first `event:` of a Server-Sent Events response, as { event, data }; the stream is then cancelled. */
export async function firstEvent(response: Response): Promise<{ event: string; data: unknown }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before an event: ${JSON.stringify(buffer)}`);
      buffer += value;
      for (const block of buffer.split('\n\n').slice(0, -1)) {
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) };
      }
    }
  } finally {
    await reader.cancel();
  }
}

export async function seedTenant(conveyor: Conveyor, tenantId: string): Promise<Seeded> {
  const ready = await conveyor.enqueue(workJob, { orderId: `${tenantId}-ready` }, { tenantId, delay: '1h' });
  // 'ready' stays ready: the worker only runs while seeding, and this one is promoted after.
  const scheduled = await conveyor.enqueue(
    workJob,
    { orderId: `${tenantId}-later` },
    { tenantId, delay: '2h' },
  );
  const dead = await conveyor.enqueue(workJob, { fail: true, orderId: `${tenantId}-dead` }, { tenantId });
  const completed = await conveyor.enqueue(workJob, { orderId: `${tenantId}-done` }, { tenantId });
  const email = await conveyor.enqueue(
    emailJob,
    { to: `ops@${tenantId}.test`, orderId: `${tenantId}-mail` },
    { tenantId, delay: '1h' },
  );
  return {
    ready: ready.id,
    scheduled: scheduled.id,
    dead: dead.id,
    completed: completed.id,
    email: email.id,
  };
}

export function useApiFixture(): ApiFixture {
  const db = useConveyorDatabase();
  const state: Partial<{
    spareKeyId: string;
    conveyor: Conveyor;
    handler: ApiHandler;
    keys: Record<KeyName, string>;
    acme: Seeded;
    globex: Seeded;
    bus: EventBus;
    notifier: Notifier;
    notices: { acme: string; globex: string };
  }> = {};
  beforeAll(async () => {
    const conveyor = db.open({ jobs: [emailJob, workJob] });
    const acme = await seedTenant(conveyor, 'acme');
    const globex = await seedTenant(conveyor, 'globex');
    const worker = conveyor.worker({ queues: ['work'], concurrency: 4, pollInterval: 50 });
    const finished = new Set<string>();
    const done = new Promise<void>((resolve) => {
      const check = (id: string) => {
        finished.add(id);
        if ([acme.dead, acme.completed, globex.dead, globex.completed].every((x) => finished.has(x)))
          resolve();
      };
      conveyor.on('job:dead', (e) => check(e.job.id));
      conveyor.on('job:completed', (e) => check(e.job.id));
    });
    await worker.start();
    await done;
    await worker.stop();
    // The "ready" jobs: due now, with no worker left to take them.
    await sql(
      db.url,
      `UPDATE conveyor.jobs SET state = 'ready', run_at = now() WHERE id = ANY($1::bigint[])`,
      [[acme.ready, globex.ready]],
    );
    const store = await internalsOf(conveyor).store();
    const now = new Date();
    const make = async (role: 'admin' | 'operator' | 'viewer', tenantId: string | null) =>
      (await createApiKey(store, { name: `${role}-${tenantId ?? 'all'}`, role, tenantId }, now)).key;
    state.keys = {
      admin: await make('admin', null),
      operator: await make('operator', null),
      viewer: await make('viewer', null),
      acmeAdmin: await make('admin', 'acme'),
      acmeOperator: await make('operator', 'acme'),
      acmeViewer: await make('viewer', 'acme'),
    };
    state.spareKeyId = (await createApiKey(store, { name: 'spare', role: 'viewer' }, now)).id;
    await conveyor.schedules.add({
      name: 'acme-nightly',
      job: 'work',
      cron: '0 2 * * *',
      tenantId: 'acme',
      payload: { orderId: 'acme-cron' },
    });
    await conveyor.schedules.add({
      name: 'globex-nightly',
      job: 'work',
      cron: '0 3 * * *',
      tenantId: 'globex',
      payload: { orderId: 'globex-cron' },
    });
    // Events and notifications: no relay here, so nothing is delivered in the background; the
    // notifier fans each event out when told (handle), as its subscriber would.
    const bus = createEventBus({ conveyor, relay: false, retention: false, localFanout: false });
    await bus.subscribe(orderPlaced, async () => {}, { name: 'order-audit' });
    const notifier = await createNotifier({
      conveyor,
      bus,
      rules: [{ event: 'order.placed', type: 'order_placed', title: 'Order {orderId} placed' }],
      digest: false,
      handledRetention: false,
    });
    await notifier.upsertUsers([
      { tenantId: 'acme', userId: 'u_acme' },
      { tenantId: 'globex', userId: 'u_globex' },
    ]);
    const noticeOf = async (tenantId: string, userId: string) => {
      await notifier.handle(await bus.publish(orderPlaced, { orderId: `${tenantId}-placed` }, { tenantId }));
      return (await notifier.inbox({ tenantId, userId }).list()).items[0]!.id;
    };
    state.notices = { acme: await noticeOf('acme', 'u_acme'), globex: await noticeOf('globex', 'u_globex') };
    state.bus = bus;
    state.notifier = notifier;
    state.conveyor = conveyor;
    state.handler = createApiHandler({
      conveyor,
      auth: {},
      loginThrottle: { max: 1000 },
      events: bus,
      notifier,
    });
    state.acme = acme;
    state.globex = globex;
  });
  afterAll(async () => {
    await state.handler?.settled();
  });
  const need = <K extends keyof typeof state>(key: K): NonNullable<(typeof state)[K]> => {
    const value = state[key];
    if (value === undefined) throw new Error('fixture not ready');
    return value as NonNullable<(typeof state)[K]>;
  };
  return {
    get conveyor() {
      return need('conveyor');
    },
    get handler() {
      return need('handler');
    },
    get keys() {
      return need('keys');
    },
    get acme() {
      return need('acme');
    },
    get globex() {
      return need('globex');
    },
    get url() {
      return db.url;
    },
    get bus() {
      return need('bus');
    },
    get notifier() {
      return need('notifier');
    },
    get notices() {
      return need('notices');
    },
    get spareKeyId() {
      return need('spareKeyId');
    },
    async call(key, method, path, body, ip = '10.0.0.1') {
      const keys = need('keys');
      const token = key === null ? null : ((keys as Record<string, string>)[key] ?? key);
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const response = await need('handler').fetch(
        new Request(`http://localhost/api/v1${path}`, {
          method,
          headers,
          ...(payload !== undefined ? { body: payload } : {}),
        }),
        { incoming: { socket: { remoteAddress: ip } } },
      );
      const contentType = response.headers.get('content-type') ?? '';
      if (contentType.startsWith('text/event-stream')) {
        // A live stream does not end: its first event is the body, then the client hangs up.
        const event = await firstEvent(response);
        return { status: response.status, contentType, body: event };
      }
      const text = await response.text();
      return { status: response.status, contentType, body: text === '' ? null : JSON.parse(text) };
    },
    async snapshot() {
      const [row] = await sql<{ digest: string }>(
        db.url,
        `SELECT md5(concat_ws('|',
           (SELECT string_agg(concat_ws(',', id, state, payload::text, attempt, run_at, tenant_id), ';' ORDER BY id) FROM conveyor.jobs),
           (SELECT string_agg(concat_ws(',', id, job_id, status), ';' ORDER BY id) FROM conveyor.job_runs),
           (SELECT string_agg(concat_ws(',', name, paused, global_concurrency, group_concurrency, rate_limit), ';' ORDER BY name) FROM conveyor.queues),
           (SELECT string_agg(concat_ws(',', queue, group_key, paused, concurrency), ';' ORDER BY queue, group_key) FROM conveyor.queue_groups),
           (SELECT string_agg(concat_ws(',', name, paused, cron, payload::text, tenant_id), ';' ORDER BY name) FROM conveyor.schedules),
           (SELECT string_agg(concat_ws(',', id, role, revoked_at), ';' ORDER BY id) FROM conveyor.api_keys),
           (SELECT count(*) FROM conveyor.bulk_actions)
         )) AS digest`,
      );
      return row!.digest;
    },
  };
}
