/**
 * A dashboard with realistic data, for screenshots (scripts/screenshots.ts) and the first-paint
 * bench (bench/src/dashboard/main.ts): a fresh PostgreSQL database, five tenants' jobs on five
 * queues worked for real by a worker (retries, dead letters, progress, results), the history then
 * spread over the last 24 hours so the charts have a day to show, a paused queue with jobs waiting
 * behind it, delayed jobs and cron schedules; then the API server (which serves the dashboard).
 *
 *   npx tsx scripts/dashboard-demo.ts [--port 3000]   # prints {"url","adminKey",...} as one JSON line
 *
 * DATABASE_URL names a server where it may create (and, on exit, drop) a database of its own
 * (default postgres://root@127.0.0.1:5432/test). Not part of the package.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { z } from 'zod';
import { type ApiServer, createApiKey, createApiServer } from '../src/api/index.ts';
import { internalsOf } from '../src/client/conveyor-internals.ts';
import { type Conveyor, createConveyor, defineJob } from '../src/index.ts';

const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];

const sendEmail = defineJob({
  name: 'send-email',
  queue: 'emails',
  schema: z.object({ to: z.string(), template: z.string() }),
  defaults: { attempts: 3, backoff: { type: 'fixed', delay: 5 } },
  handler: async ({ payload }) => {
    if (payload.to.startsWith('bounce')) throw new Error(`mailbox ${payload.to} does not exist (550 5.1.1)`);
    return { messageId: `<${randomBytes(6).toString('hex')}@mail.example>` };
  },
});

const chargeCard = defineJob({
  name: 'charge-card',
  queue: 'billing',
  schema: z.object({ orderId: z.string(), amountCents: z.number() }),
  defaults: { attempts: 2, backoff: { type: 'fixed', delay: 5 } },
  handler: async ({ payload }) => {
    if (payload.amountCents % 17 === 0) throw new Error(`card declined for order ${payload.orderId}`);
    if (payload.amountCents % 23 === 0) throw new Error('connect ECONNREFUSED 10.0.4.12:443');
    return { chargeId: `ch_${randomBytes(5).toString('hex')}` };
  },
});

const buildReport = defineJob({
  name: 'build-report',
  queue: 'reports',
  schema: z.object({ reportId: z.string(), month: z.string() }),
  handler: async ({ payload, progress }) => {
    await progress({ percent: 60, rows: 1200 });
    return { url: `https://files.example/reports/${payload.reportId}.pdf` };
  },
});

const deliverWebhook = defineJob({
  name: 'deliver-webhook',
  queue: 'webhooks',
  schema: z.object({ endpoint: z.string(), event: z.string() }),
  defaults: { attempts: 3, backoff: { type: 'fixed', delay: 5 } },
  handler: async ({ payload }) => {
    if (payload.endpoint.includes('legacy')) throw new Error(`HTTP 503 from ${payload.endpoint}`);
    return { status: 200 };
  },
});

const syncCalendar = defineJob({
  name: 'sync-calendar',
  queue: 'sync',
  schema: z.object({ calendarId: z.string() }),
  handler: async () => ({ events: 42 }),
});

export const DEMO_JOBS = [sendEmail, chargeCard, buildReport, deliverWebhook, syncCalendar];

export interface DemoDashboard {
  url: string;
  adminKey: string;
  viewerKey: string;
  /** A waiting job (its queue is paused), a dead job and a completed one with progress, for screenshots. */
  jobs: { waiting: string; dead: string; completed: string };
  conveyor: Conveyor;
  server: ApiServer;
  close(): Promise<void>;
}

const pick = <T>(list: T[], i: number): T => list[i % list.length]!;

async function enqueueMany(conveyor: Conveyor, count: number): Promise<void> {
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const tenantId = pick(TENANTS, i * 7 + (i % 3));
    switch (i % 5) {
      case 0:
        work.push(
          conveyor.enqueue(
            sendEmail,
            {
              to: i % 41 === 0 ? `bounce${i}@${tenantId}.example` : `user${i}@${tenantId}.example`,
              template: 'welcome',
            },
            { tenantId },
          ),
        );
        break;
      case 1:
        work.push(
          conveyor.enqueue(
            chargeCard,
            { orderId: `ord_${1000 + i}`, amountCents: 1000 + i * 3 },
            { tenantId },
          ),
        );
        break;
      case 2:
        work.push(conveyor.enqueue(buildReport, { reportId: `rep_${i}`, month: '2026-11' }, { tenantId }));
        break;
      case 3:
        work.push(
          conveyor.enqueue(
            deliverWebhook,
            {
              endpoint:
                i % 19 === 0
                  ? `https://legacy.${tenantId}.example/hooks`
                  : `https://hooks.${tenantId}.example/in`,
              event: 'invoice.paid',
            },
            { tenantId },
          ),
        );
        break;
      default:
        work.push(conveyor.enqueue(syncCalendar, { calendarId: `cal_${tenantId}_${i % 4}` }, { tenantId }));
    }
  }
  await Promise.all(work);
}

export async function startDemoDashboard(
  options: { port?: number; jobs?: number } = {},
): Promise<DemoDashboard> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
  const name = `conveyor_demo_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const db = new pg.Client({ connectionString: databaseUrl });

  const conveyor = createConveyor({ jobs: DEMO_JOBS, databaseUrl, logger: pino({ level: 'silent' }) });
  await conveyor.migrate();
  await enqueueMany(conveyor, options.jobs ?? 1500);
  const worker = conveyor.worker({ concurrency: 40, pollInterval: 20 });
  await worker.start();
  for (;;) {
    const stats = await conveyor.stats();
    if (stats.every((s) => s.counts.ready + s.counts.active + s.counts.scheduled === 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await worker.stop();

  // Spread the history over the last day (busier in the recent hours), with waits that vary.
  await db.connect();
  await db.query(`
    WITH s AS (
      SELECT id, (power(random(), 1.4) * 23.5 + 0.1) * interval '1 hour' AS shift,
             (random() * random() * 2500) * interval '1 millisecond' AS extra_wait
      FROM conveyor.job_runs
    )
    UPDATE conveyor.job_runs r
    SET enqueued_at = r.enqueued_at - s.shift,
        due_at = r.due_at - s.shift,
        started_at = r.started_at - s.shift + s.extra_wait,
        finished_at = r.finished_at - s.shift + s.extra_wait
    FROM s WHERE r.id = s.id`);
  await db.query(`
    WITH s AS (SELECT job_id, max(finished_at) AS at FROM conveyor.job_runs GROUP BY job_id)
    UPDATE conveyor.jobs j SET created_at = LEAST(j.created_at, s.at), finished_at = s.at
    FROM s WHERE j.id = s.job_id AND j.state IN ('completed', 'dead')`);
  await db.end();

  // Now: a paused queue with jobs waiting behind it, delayed jobs, schedules.
  await conveyor.queues.pause('reports');
  const waiting = await conveyor.enqueue(
    buildReport,
    { reportId: 'rep_9001', month: '2026-12' },
    { tenantId: 'acme' },
  );
  for (let i = 0; i < 12; i++) {
    await conveyor.enqueue(
      buildReport,
      { reportId: `rep_91${i}`, month: '2026-12' },
      { tenantId: pick(TENANTS, i) },
    );
  }
  for (let i = 0; i < 8; i++) {
    await conveyor.enqueue(
      sendEmail,
      { to: `digest${i}@globex.example`, template: 'digest' },
      { tenantId: 'globex', delay: '2h' },
    );
  }
  await conveyor.schedules.add({
    name: 'nightly-invoices',
    job: 'charge-card',
    cron: '0 2 * * *',
    payload: { orderId: 'batch', amountCents: 1 },
  });
  await conveyor.schedules.add({
    name: 'calendar-sync:acme',
    job: 'sync-calendar',
    cron: '*/5 * * * *',
    tenantId: 'acme',
    payload: { calendarId: 'cal_acme_0' },
  });
  await conveyor.schedules.add({
    name: 'monthly-reports',
    job: 'build-report',
    cron: '0 6 1 * *',
    timezone: 'Europe/Berlin',
    payload: { reportId: 'monthly', month: 'auto' },
  });

  const store = await internalsOf(conveyor).store();
  const adminKey = (await createApiKey(store, { name: 'demo-admin', role: 'admin' }, new Date())).key;
  const viewerKey = (await createApiKey(store, { name: 'demo-viewer', role: 'viewer' }, new Date())).key;
  const server = createApiServer({
    conveyor,
    auth: {},
    port: options.port ?? 0,
    loginThrottle: { max: 10_000 },
  });
  const { url: base } = await server.listen();
  const firstOf = async (state: string, name?: string): Promise<string> => {
    const response = await fetch(`${base}/api/v1/jobs?state=${state}&limit=1${name ? `&name=${name}` : ''}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    return ((await response.json()) as { items: { id: string }[] }).items[0]?.id ?? '';
  };
  return {
    url: base,
    adminKey,
    viewerKey,
    jobs: {
      waiting: waiting.id,
      dead: await firstOf('dead', 'charge-card'),
      completed: await firstOf('completed', 'build-report'),
    },
    conveyor,
    server,
    async close() {
      await server.close();
      await conveyor.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const portIndex = process.argv.indexOf('--port');
  const port = portIndex > 0 ? Number(process.argv[portIndex + 1]) : 0;
  const demo = await startDemoDashboard({ port });
  process.stdout.write(
    `${JSON.stringify({ url: demo.url, adminKey: demo.adminKey, viewerKey: demo.viewerKey, jobs: demo.jobs })}\n`,
  );
  const stop = async () => {
    await demo.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}
