/** Arda's jobs on Conveyor: per-tenant concurrency, the daily key, transactional enqueue, DLQ and replay. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArdaApp } from '../../examples/arda/arda-conveyor.ts';
import { createArdaTables } from '../../examples/arda/arda-tables.ts';
import { inTransaction, placeOrder } from '../../examples/arda/order-created-job.ts';
import { enqueueDailyRecalculation } from '../../examples/arda/relowisa-job.ts';
import { retryPolicies } from '../../examples/arda/retry-policies.ts';
import type { BackoffFunction, Conveyor } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();

describe('Arda jobs', () => {
  let pool: pg.Pool;
  let conveyor: Conveyor;
  let arda: ReturnType<typeof createArdaApp>;

  // Outcomes are recorded from the start, so a job that finishes before the test asks is not missed.
  type Outcome = { kind: 'completed'; result: unknown } | { kind: 'dead'; error: { message: string } };
  const outcomes = new Map<string, Outcome>();
  const waiting = new Map<string, (outcome: Outcome) => void>();
  const settle = (id: string, result: Outcome): void => {
    outcomes.set(id, result);
    waiting.get(id)?.(result);
  };
  const outcome = (id: string): Promise<Outcome> => {
    const known = outcomes.get(id);
    return known ? Promise.resolve(known) : new Promise((resolve) => waiting.set(id, resolve));
  };

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    // pg-pool's end() does not wait for its clients' Terminate; the database drop can reach one first.
    pool.on('error', () => undefined);
    await createArdaTables(pool);
    await pool.query(`
      INSERT INTO tenant_users (tenant_id, user_id) VALUES ('acme', 'u1'), ('acme', 'u2'), ('globex', 'u3');
      INSERT INTO kanban_loops (tenant_id, id, min_qty, order_qty, avg_daily_demand, demand_stddev, lead_time_days) VALUES
        ('acme', 'L1', 10, 70, 10, 2, 3), ('acme', 'L2', 36, 70, 10, 2, 3), ('globex', 'L1', 35, 70, 10, 2, 3);
    `);
    arda = createArdaApp({
      pool,
      tenants: [{ tenantId: 'acme' }, { tenantId: 'globex', timezone: 'Europe/Berlin' }],
    });
    conveyor = arda.attach(db.open(arda.options));
    conveyor.on('job:completed', (e) => settle(e.job.id, { kind: 'completed', result: e.result }));
    conveyor.on('job:dead', (e) => settle(e.job.id, { kind: 'dead', error: e.error }));
    await conveyor.migrate();
    // Nothing here waits for 02:00; the schedules are checked below.
    await conveyor.schedules.sync();
    for (const s of await conveyor.schedules.list()) await conveyor.schedules.pause(s.name);
    await conveyor.worker({ concurrency: 4, handleSignals: false }).start();
  });
  afterAll(async () => {
    await conveyor?.close();
    await pool?.end();
  });

  it('declares the staggered schedules: ReLoWiSa per tenant at 02:00, stale cards 03:00, order aging every 6 h', async () => {
    const schedules = await conveyor.schedules.list();
    expect(schedules.map((s) => [s.name, s.job, s.cron, s.timezone, s.tenantId])).toEqual([
      ['arda:order-aging', 'order-aging', '0 */6 * * *', 'UTC', null],
      ['arda:stale-card-cleanup', 'stale-card-cleanup', '0 3 * * *', 'UTC', null],
      ['relowisa:acme', 'relowisa-nightly', '0 2 * * *', 'UTC', 'acme'],
      ['relowisa:globex', 'relowisa-nightly', '0 2 * * *', 'Europe/Berlin', 'globex'],
    ]);
  });

  it('runs one ReLoWiSa job per tenant at a time, while other tenants run alongside', async () => {
    // Events count the jobs running at once while the loops are held (mostAtOnce); whether one
    // tenant's jobs ever overlapped is read from the run history afterwards: job:completed is told
    // after the commit that frees the tenant's slot, so by events alone the next job's job:active
    // can come first and look like an overlap.
    const running = new Map<string, number>();
    let mostAtOnce = 0;
    const offs = [
      conveyor.on('job:active', ({ job }) => {
        if (job.name !== 'relowisa-recalculation') return;
        const n = (running.get(job.tenantId!) ?? 0) + 1;
        running.set(job.tenantId!, n);
        mostAtOnce = Math.max(
          mostAtOnce,
          [...running.values()].reduce((a, b) => a + b, 0),
        );
      }),
      conveyor.on('job:completed', ({ job }) => {
        if (job.name === 'relowisa-recalculation')
          running.set(job.tenantId!, running.get(job.tenantId!)! - 1);
      }),
    ];
    // Hold every loop's row lock, so each started recalculation waits inside its handler.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM kanban_loops FOR UPDATE');
      const date = '2026-02-08';
      const jobs = await Promise.all([
        enqueueDailyRecalculation(conveyor, arda.jobs.recalculation, {
          tenantId: 'acme',
          loopId: 'L1',
          date,
        }),
        enqueueDailyRecalculation(conveyor, arda.jobs.recalculation, {
          tenantId: 'acme',
          loopId: 'L2',
          date,
        }),
        enqueueDailyRecalculation(conveyor, arda.jobs.recalculation, {
          tenantId: 'globex',
          loopId: 'L1',
          date,
        }),
      ]);
      const done = Promise.all(jobs.map((j) => outcome(j.id)));
      // acme's first and globex's job start; acme's second waits although the worker has free slots.
      await expect.poll(() => mostAtOnce).toBe(2);
      const states = async () =>
        (await conveyor.listJobs({ name: 'relowisa-recalculation' })).map((j) => [j.tenantId, j.state]);
      expect((await states()).sort()).toEqual([
        ['acme', 'active'],
        ['acme', 'ready'],
        ['globex', 'active'],
      ]);
      await blocker.query('COMMIT');
      const ends = await done;
      expect(ends.map((e) => e.kind)).toEqual(['completed', 'completed', 'completed']);
      // acme's second attempt started only after its first finished.
      expect(
        await sql(
          db.url,
          `SELECT count(*)::int AS n FROM conveyor.job_runs a JOIN conveyor.job_runs b
             ON b.tenant_id = a.tenant_id AND b.job_id > a.job_id
           WHERE a.name = 'relowisa-recalculation' AND b.name = 'relowisa-recalculation'
             AND a.job_id = ANY($1::bigint[]) AND b.job_id = ANY($1::bigint[])
             AND a.started_at < b.finished_at AND b.started_at < a.finished_at`,
          [jobs.map((j) => j.id)],
        ),
      ).toEqual([{ n: 0 }]);
      expect(
        await sql(
          db.url,
          `SELECT tenant_id, count(*)::int AS n FROM conveyor.job_runs WHERE job_id = ANY($1::bigint[])
           GROUP BY tenant_id ORDER BY tenant_id`,
          [jobs.map((j) => j.id)],
        ),
      ).toEqual([
        { tenant_id: 'acme', n: 2 },
        { tenant_id: 'globex', n: 1 },
      ]);
      // 10/day × 3 days + safety stock 1.65 × 2 × √3 → 36: only acme's L1 (min 10) changes by more than 10 %.
      expect(
        await sql(db.url, 'SELECT tenant_id, loop_id, recommended_min_qty FROM relowisa_recommendations'),
      ).toEqual([{ tenant_id: 'acme', loop_id: 'L1', recommended_min_qty: 36 }]);
    } finally {
      for (const off of offs) off();
      await blocker.end();
    }
  });

  it('dedupes the daily key relowisa:{tenant}:{loop}:{date} for 24 h, even after the job completed', async () => {
    const key = { tenantId: 'globex', loopId: 'L1', date: '2026-02-09' };
    const first = await enqueueDailyRecalculation(conveyor, arda.jobs.recalculation, key);
    expect(first.created).toBe(true);
    expect((await outcome(first.id)).kind).toBe('completed');
    const again = await enqueueDailyRecalculation(conveyor, arda.jobs.recalculation, key);
    expect(again).toEqual({ id: first.id, created: false });
    const nextDay = await enqueueDailyRecalculation(conveyor, arda.jobs.recalculation, {
      ...key,
      date: '2026-02-10',
    });
    expect(nextDay.created).toBe(true);
    await outcome(nextDay.id);
  });

  it('the nightly run enqueues each active loop once per day', async () => {
    const { id } = await conveyor.enqueue(arda.jobs.nightly, {}, { tenantId: 'acme' });
    const end = await outcome(id);
    expect(end.kind === 'completed' && end.result).toMatchObject({ loops: 2, enqueued: 2 });
    const second = await conveyor.enqueue(arda.jobs.nightly, {}, { tenantId: 'acme' });
    const secondEnd = await outcome(second.id);
    expect(secondEnd.kind === 'completed' && secondEnd.result).toMatchObject({ loops: 2, enqueued: 0 });
  });

  it('enqueues order-created in the order’s transaction: rollback leaves neither, commit runs the job', async () => {
    const jobsFor = async (orderId: string) =>
      (await conveyor.listJobs({ name: 'order-created' })).filter(
        (j) => (j.payload as { orderId: string }).orderId === orderId,
      );
    await expect(
      inTransaction(pool, async (client) => {
        await placeOrder(client, conveyor, arda.jobs.orderCreated, {
          tenantId: 'acme',
          id: 'o-1',
          number: 'PO-1',
        });
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await sql(db.url, "SELECT id FROM orders WHERE id = 'o-1'")).toEqual([]);
    expect(await jobsFor('o-1')).toEqual([]);

    const { id } = await inTransaction(pool, (client) =>
      placeOrder(client, conveyor, arda.jobs.orderCreated, { tenantId: 'acme', id: 'o-2', number: 'PO-2' }),
    );
    const end = await outcome(id);
    expect(end.kind === 'completed' && end.result).toEqual({ orderId: 'o-2', notified: 2 });
    expect(
      await sql(
        db.url,
        "SELECT user_id, message FROM notifications WHERE entity_id = 'o-2' ORDER BY user_id",
      ),
    ).toEqual([
      { user_id: 'u1', message: 'PO PO-2 was created' },
      { user_id: 'u2', message: 'PO PO-2 was created' },
    ]);
  });

  it('applies each category’s retry policy; a failing event job ends in the DLQ and replays', async () => {
    const backoff = (category: keyof typeof retryPolicies) =>
      retryPolicies[category].backoff as BackoffFunction;
    expect([1, 2, 3].map((n) => backoff('eventDriven')(n, null))).toEqual([1_000, 4_000, 16_000]);
    expect([1, 2, 3].map((n) => backoff('onDemand')(n, null))).toEqual([5_000, 25_000, 125_000]);
    expect(retryPolicies.scheduled).toMatchObject({ attempts: 3, backoff: { type: 'fixed', delay: '5m' } });

    // An order-created event for an order that is not there (written outside a transaction).
    const { id } = await conveyor.enqueue(
      arda.jobs.orderCreated,
      { orderId: 'o-missing' },
      { tenantId: 'globex', backoff: { type: 'fixed', delay: 20 } }, // the test's short backoff
    );
    const end = await outcome(id);
    expect(end.kind).toBe('dead');
    const [dead] = await conveyor.deadLetters.list({ name: 'order-created', tenantId: 'globex' });
    expect(dead?.id).toBe(id);
    expect(dead?.maxAttempts).toBe(4); // event-driven: 3 retries
    expect(dead?.errors.map((e) => e.message)).toEqual(Array(4).fill('order o-missing not found'));
    const health = await conveyor.health();
    expect(health).toMatchObject({ status: 'ok', jobs: { database: 'connected', queue: { dlq: 1 } } });

    await pool.query(
      "INSERT INTO orders (tenant_id, id, number, status) VALUES ('globex', 'o-missing', 'PO-9', 'sent')",
    );
    outcomes.delete(id);
    const replayedEnd = outcome(id);
    expect(await conveyor.deadLetters.replay({ ids: [id] })).toEqual([id]);
    const replayed = await replayedEnd;
    expect(replayed.kind === 'completed' && replayed.result).toEqual({ orderId: 'o-missing', notified: 1 });
    expect((await conveyor.health()).jobs.queue?.dlq).toBe(0);
  });

  it('flags stale cards and overdue orders once, however often the schedules run', async () => {
    await pool.query(`
      INSERT INTO kanban_cards (tenant_id, id, stage, stage_entered_at, is_active) VALUES
        ('acme', 'c-old', 'ordered', now() - interval '61 days', true),
        ('acme', 'c-new', 'ordered', now() - interval '5 days', true),
        ('acme', 'c-gone', 'created', now() - interval '120 days', false);
      INSERT INTO orders (tenant_id, id, number, status, expected_delivery_date) VALUES
        ('acme', 'o-late', 'PO-7', 'sent', current_date - 3);
    `);
    for (let run = 0; run < 2; run += 1) {
      const cards = await conveyor.enqueue(arda.jobs.staleCards, {});
      const aging = await conveyor.enqueue(arda.jobs.orderAging, {});
      const [c, a] = await Promise.all([outcome(cards.id), outcome(aging.id)]);
      expect(c.kind === 'completed' && c.result).toEqual(
        run === 0 ? { flagged: 1, archived: 1 } : { flagged: 0, archived: 0 },
      );
      expect(a.kind === 'completed' && a.result).toMatchObject({ overduePurchaseOrders: 1 });
    }
    expect(
      await sql(
        db.url,
        "SELECT entity_id, message FROM notifications WHERE type = 'exception_alert' AND user_id = 'u1' ORDER BY 1",
      ),
    ).toEqual([
      { entity_id: 'c-old', message: 'Card c-old has been in ordered too long' },
      { entity_id: 'o-late', message: 'PO PO-7 is 3 days overdue' },
    ]);
    expect(await sql(db.url, 'SELECT id FROM kanban_cards_archive')).toEqual([{ id: 'c-gone' }]);
  });
});
