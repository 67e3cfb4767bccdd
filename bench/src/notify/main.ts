/**
 * Notification workloads (issue 15): npm run bench:notify [-- --runs=3 --out=results/notify.json]
 *
 * - notify_fanout_10k_ms: one event fanned out to the 10,000 active users of a tenant — from the
 *   subscriber's call to the commit of its transaction, which holds the handled mark, all 10,000
 *   rows and all 10,000 `notification.created` outbox events (so "published" = durable in the
 *   outbox, what the relay then delivers). Also reports the statements that transaction issued.
 * - digest_100k_users_ms: a digest run over 100,000 users with daily digests, of whom 5,000 are due
 *   (3 unread notifications each): claim, advance next times in their time zones, mark digest_sent,
 *   enqueue 5,000 digest emails (the email jobs are enqueued, not run).
 *
 * Conveyor from the repository's dist/ (built by `npm run build`), on a fresh database
 * bench_notify dropped at the end. Writes results/notify.json in the contender bench's format:
 * results[workload].conveyor = { value (median ms), unit, min, max, runs[{ run, value, extra }] }.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';
import { progress } from '../progress.ts';
import { dropDatabase, freshDatabase, withClient } from '../stores.ts';

const BENCH = new URL('../../', import.meta.url);
const DIST = new URL('../../../dist/', import.meta.url);
const DATABASE = 'bench_notify';
const FANOUT_USERS = 10_000;
const DIGEST_USERS = 100_000;
const DIGEST_DUE = 5_000;

/** The slices of dist's public API used here (dist is loaded untyped from this package). */
interface RootModule {
  createConveyor(options: Record<string, unknown>): { close(): Promise<void> };
  createEventBus(options: Record<string, unknown>): unknown;
  createLogger(options: { level: string }): unknown;
}
interface NotifyModule {
  createNotifier(options: Record<string, unknown>): Promise<{
    upsertUsers(users: Record<string, unknown>[]): Promise<void>;
    handle(event: unknown): Promise<{ notifications: number; statements: number }>;
    runDigests(now: Date): Promise<{ digests: number; batches: number }>;
  }>;
}

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

function envelope(id: string, tenantId: string): Record<string, unknown> {
  return {
    id,
    type: 'order.created',
    schemaVersion: 1,
    source: 'bench',
    tenantId,
    sequence: 1,
    correlationId: null,
    causationId: null,
    occurredAt: new Date().toISOString(),
    payload: { orderType: 'purchase_order', orderId: 'o1', orderNumber: 'PO-0001' },
  };
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const out = arg('out', 'results/notify.json');
  const { createConveyor, createEventBus, createLogger } = (await import(
    new URL('index.js', DIST).href
  )) as RootModule;
  const { createNotifier } = (await import(new URL('notify/index.js', DIST).href)) as NotifyModule;
  const url = await freshDatabase(DATABASE);
  const started = new Date();
  const load = os.loadavg().map((x) => Math.round(x * 100) / 100);
  let results: Record<string, unknown>;
  const conveyor = createConveyor({
    databaseUrl: url,
    jobs: [],
    migrate: 'auto',
    logger: createLogger({ level: 'error' }),
    poolSize: 4,
  });
  try {
    const bus = createEventBus({ conveyor, relay: false, retention: false });
    const notifier = await createNotifier({
      conveyor,
      bus,
      rules: [
        {
          event: 'order.created',
          type: 'po_created',
          title: 'New {orderType} created',
          body: '{orderNumber}',
        },
      ],
      digest: false,
      email: { transport: { sendMail: async () => ({}) }, from: 'bench@example.com' },
    });

    // Fan-out: 10,000 active users of tenant t-fanout, no email addresses (in-app + events only).
    progress(`fan-out: registering ${FANOUT_USERS} users`);
    for (let i = 0; i < FANOUT_USERS; i += 5_000) {
      await notifier.upsertUsers(
        Array.from({ length: 5_000 }, (_, j) => ({ tenantId: 't-fanout', userId: `u${i + j}` })),
      );
    }
    const fanoutRuns: number[] = [];
    let statements = 0;
    let written = 0;
    for (let run = 0; run < runs + 1; run += 1) {
      const id = `0190a000-0000-7000-8000-${String(run).padStart(12, '0')}`;
      const t0 = performance.now();
      const report = await notifier.handle(envelope(id, 't-fanout'));
      const ms = performance.now() - t0;
      if (report.notifications !== FANOUT_USERS) throw new Error(`fan-out wrote ${report.notifications}`);
      statements = report.statements;
      written = report.notifications;
      if (run > 0) fanoutRuns.push(Math.round(ms * 10) / 10); // run 0 warms up
      progress(
        `fan-out run ${run}${run === 0 ? ' (warm-up)' : ''}: ${ms.toFixed(1)} ms, ${report.statements} statements`,
      );
    }
    const [events] = await withClient(
      url,
      async (c: pg.Client) =>
        (await c.query("SELECT count(*)::int AS n FROM conveyor.events WHERE type = 'notification.created'"))
          .rows,
    );

    // Digest: 100,000 users, 5,000 due, 3 unread notifications each.
    progress(`digest: ${DIGEST_USERS} users, ${DIGEST_DUE} due`);
    const zones = ['America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Europe/Berlin', 'UTC'];
    for (let i = 0; i < DIGEST_USERS; i += 5_000) {
      await notifier.upsertUsers(
        Array.from({ length: 5_000 }, (_, j) => ({
          tenantId: `t${(i + j) % 50}`,
          userId: `d${i + j}`,
          email: `d${i + j}@example.com`,
          digest: { frequency: 'daily', deliveryHour: 8, timeZone: zones[(i + j) % zones.length] },
        })),
      );
    }
    const digestRuns: number[] = [];
    let digests = 0;
    for (let run = 0; run < runs; run += 1) {
      await withClient(url, async (c: pg.Client) => {
        await c.query('TRUNCATE conveyor.notifications');
        await c.query(
          "UPDATE conveyor.notify_users SET next_digest_at = now() + interval '1 day' WHERE user_id LIKE 'd%'",
        );
        await c.query(
          `UPDATE conveyor.notify_users SET next_digest_at = now() - interval '1 minute'
           WHERE user_id IN (SELECT 'd' || g FROM generate_series(0, $1 - 1) g)`,
          [DIGEST_DUE],
        );
        await c.query(
          `INSERT INTO conveyor.notifications (id, tenant_id, user_id, type, title, created_at)
           SELECT gen_random_uuid(), 't' || (g % 50), 'd' || g, (ARRAY['po_created','po_sent','card_triggered'])[k],
             'Notification ' || k, now() - interval '1 hour'
           FROM generate_series(0, $1 - 1) g, generate_series(1, 3) k`,
          [DIGEST_DUE],
        );
        await c.query('VACUUM ANALYZE conveyor.notify_users');
        await c.query('VACUUM ANALYZE conveyor.notifications');
      });
      const t0 = performance.now();
      const report = await notifier.runDigests(new Date());
      const ms = performance.now() - t0;
      if (report.digests !== DIGEST_DUE) throw new Error(`digest sent ${report.digests}`);
      digests = report.digests;
      digestRuns.push(Math.round(ms));
      progress(
        `digest run ${run}: ${ms.toFixed(0)} ms, ${report.digests} digests in ${report.batches} batches`,
      );
    }
    const entry = (values: number[], extra: Record<string, unknown>) => ({
      conveyor: {
        value: median(values),
        unit: 'ms',
        min: Math.min(...values),
        max: Math.max(...values),
        runs: values.map((value, i) => ({ run: i + 1, value, extra })),
      },
    });
    results = {
      notify_fanout_10k_ms: entry(fanoutRuns, {
        users: FANOUT_USERS,
        rowsWritten: written,
        statementsPerFanout: statements,
        notificationCreatedEventsInOutbox: events?.n ?? null,
        goal: '<= 1,000 ms, a handful of statements',
      }),
      digest_100k_users_ms: entry(digestRuns, {
        users: DIGEST_USERS,
        due: DIGEST_DUE,
        digests,
        batchSize: 1_000,
        goal: '<= 10,000 ms',
      }),
    };
  } finally {
    await conveyor.close();
    await dropDatabase(DATABASE);
  }
  const file = {
    meta: {
      mode: 'notify',
      date: started.toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverageAtStart: load,
      sizes: { runs, fanoutUsers: FANOUT_USERS, digestUsers: DIGEST_USERS, digestDue: DIGEST_DUE },
      method:
        'Conveyor from dist/ on the bench server, fresh database bench_notify; fan-out timed around notifier.handle(event) (one transaction: mark, rows, outbox events), first run a warm-up; digest timed around notifier.runDigests(now) after resetting 5,000 users due with 3 unread notifications each.',
    },
    results,
  };
  mkdirSync(new URL('results/', BENCH), { recursive: true });
  writeFileSync(new URL(out, BENCH), `${JSON.stringify(file, null, 2)}\n`);
  progress(`wrote ${out}`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
