/** Leora's tenant job runner on Conveyor: dry run, idempotent re-runs, and the serverless HTTP trigger. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeoraApp, createLeoraTrigger } from '../../examples/leora/leora-conveyor.ts';
import { createLeoraTables } from '../../examples/leora/leora-tables.ts';
import { toNodeHandler } from '../../src/http/index.ts';
import type { Conveyor } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
const SECRET = 'leora-cron-secret-0123456789';

describe('Leora tenant jobs', () => {
  let pool: pg.Pool;
  let conveyor: Conveyor;
  let leora: ReturnType<typeof createLeoraApp>;
  let server: Server;
  let base = '';
  let queuedId = '';

  const accountTypes = () =>
    sql<{ tenant_id: string; id: string; account_type: string; touched: boolean }>(
      db.url,
      `SELECT tenant_id, id, account_type, account_type_updated_at IS NOT NULL AS touched
         FROM customers ORDER BY tenant_id, id`,
    );
  const skus = () =>
    sql(db.url, 'SELECT id, burn_rate::float AS burn_rate, reorder_point FROM skus ORDER BY id');

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // pg-pool's end() does not wait for its clients' Terminate; the database drop can reach one first.
    pool.on('error', () => undefined);
    await createLeoraTables(pool);
    await pool.query(`
      INSERT INTO tenants (id, slug, name) VALUES ('acme', 'well-crafted', 'Well Crafted'), ('other', 'other', 'Other');
      INSERT INTO customers (tenant_id, id) VALUES ('acme', 'c1'), ('acme', 'c2'), ('acme', 'c3'), ('other', 'x1');
      INSERT INTO orders (tenant_id, id, customer_id, total, delivered_at) VALUES
        ('acme', 'o1', 'c1', 600, now() - interval '3 days'),
        ('acme', 'o2', 'c1', 900, now() - interval '20 days'),
        ('acme', 'o3', 'c2', 100, now() - interval '5 days'),
        ('acme', 'o4', 'c3', 5000, now() - interval '200 days');
      INSERT INTO skus (tenant_id, id, lead_time_days) VALUES ('acme', 's1', 10), ('acme', 's2', 5), ('other', 's9', 7);
      INSERT INTO order_lines (tenant_id, order_id, sku_id, quantity) VALUES
        ('acme', 'o1', 's1', 60), ('acme', 'o2', 's1', 30), ('acme', 'o4', 's2', 500);
    `);
    leora = createLeoraApp({ pool, tenants: ['acme', 'other'] });
    conveyor = db.open(leora.options);
    await conveyor.migrate();
    server = createServer(toNodeHandler(createLeoraTrigger(conveyor, SECRET)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/jobs/process`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await conveyor?.close();
    await pool?.end();
  });

  it('a dry run computes the changes, reports them and writes nothing', async () => {
    const { result } = await conveyor.run('update-account-types', {}, { tenantId: 'acme', dryRun: true });
    expect(result).toMatchObject({
      tenantId: 'acme',
      dryRun: true,
      processed: 3,
      updated: 2,
      skipped: 1,
      errors: 0,
      changes: [
        { id: 'c1', accountType: 'HIGH_VOLUME' },
        { id: 'c3', accountType: 'DORMANT' },
      ],
    });
    expect((result as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    expect((await accountTypes()).every((c) => c.account_type === 'STANDARD' && !c.touched)).toBe(true);
  });

  it('a real run updates only that tenant’s rows, and running it again changes nothing', async () => {
    const first = await conveyor.run('update-account-types', {}, { tenantId: 'acme' });
    expect(first.result).toMatchObject({ dryRun: false, processed: 3, updated: 2, skipped: 1 });
    expect(await accountTypes()).toEqual([
      { tenant_id: 'acme', id: 'c1', account_type: 'HIGH_VOLUME', touched: true },
      { tenant_id: 'acme', id: 'c2', account_type: 'STANDARD', touched: false },
      { tenant_id: 'acme', id: 'c3', account_type: 'DORMANT', touched: true },
      { tenant_id: 'other', id: 'x1', account_type: 'STANDARD', touched: false },
    ]);
    const second = await conveyor.run('update-account-types', {}, { tenantId: 'acme' });
    expect(second.result).toMatchObject({ processed: 3, updated: 0, skipped: 3, changes: [] });

    const unknown = await conveyor.run('update-account-types', { tenantSlug: 'nobody' });
    expect(unknown.result).toMatchObject({ tenantId: null, processed: 0, note: 'tenant not found' });
  });

  it('the HTTP trigger answers 401 to a wrong secret and runs nothing', async () => {
    const { id } = await conveyor.enqueue(leora.jobs.calculateBurnRates, {}, { tenantId: 'acme' });
    queuedId = id;
    for (const authorization of [undefined, 'Bearer wrong-secret-0123456789', `Bearer ${SECRET}x`]) {
      const response = await fetch(`${base}?budget=5s`, {
        method: 'GET',
        ...(authorization ? { headers: { authorization } } : {}),
      });
      expect(response.status).toBe(401);
    }
    expect((await conveyor.getJob(id))?.state).toBe('ready');
    expect((await skus()).every((s) => s.burn_rate === null)).toBe(true);
  });

  it('with the right secret, the cron call runs the queued work and returns the summary', async () => {
    const response = await fetch(`${base}?budget=5s`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      processed: 1,
      completed: 1,
      failed: 0,
      remaining: 0,
      scheduled: 0,
    });
    expect(await skus()).toEqual([
      { id: 's1', burn_rate: 1, reorder_point: 10 },
      { id: 's2', burn_rate: 0, reorder_point: 0 },
      { id: 's9', burn_rate: null, reorder_point: null },
    ]);
    const run = await conveyor.getJob(queuedId);
    expect(run?.state).toBe('completed');
    expect(run?.result).toMatchObject({ tenantId: 'acme', processed: 2, updated: 2, skipped: 0 });

    // `?job=` enqueues by name (the tenant by slug in the body); the next budgeted call runs it.
    const enqueue = await fetch(`${base}?job=calculate-burn-rates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantSlug: 'well-crafted' }),
    });
    expect(enqueue.status).toBe(202);
    const { enqueued } = (await enqueue.json()) as { enqueued: { id: string; created: boolean } };
    expect(enqueued.created).toBe(true);
    const again = await fetch(`${base}?budget=5s`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(await again.json()).toMatchObject({ processed: 1, completed: 1 });
    expect((await conveyor.getJob(enqueued.id))?.result).toMatchObject({ updated: 0, skipped: 2 });
  });
});
