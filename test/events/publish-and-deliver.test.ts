/**
 * The bus on PostgreSQL: a publish in a committed transaction reaches every durable subscriber once
 * and the live fan-out; a rolled-back one reaches nothing; a bad event names its field and writes
 * nothing; in a batch one bad item fails alone; per-tenant sequences are gap-free under concurrent
 * publishers in separate transactions.
 */
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Conveyor,
  createEventBus,
  type EventBus,
  type EventEnvelope,
  type SqlExecutor,
  ValidationError,
} from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { cardTransition, eventually, orderCreated, Received } from './bus-support.ts';

const db = useConveyorDatabase();

describe('publishing and delivering events', () => {
  let conveyor: Conveyor;
  let bus: EventBus;
  let pool: pg.Pool;
  const notifications = new Received();
  const audit = new Received();
  const live = new Received();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: db.url, max: 8 });
    pool.on('error', () => undefined);
    conveyor = db.open({ jobs: [] });
    bus = createEventBus({ conveyor, source: 'kanban', relay: { pollInterval: '200ms' } });
    await bus.subscribe('card.*', (event) => notifications.push(event), { name: 'notifications' });
    await bus.subscribe('*', (event) => audit.push(event), { name: 'audit' });
    await bus.fanout.subscribe({ tenantId: 'acme' }, live.push);
    await conveyor.worker({ queues: ['events'], concurrency: 8, handleSignals: false }).start();
  });
  afterAll(async () => {
    await conveyor?.close();
    await pool?.end();
  });

  it('delivers an event published in a committed transaction to each subscriber once, and live', async () => {
    const client = await pool.connect();
    let published: EventEnvelope;
    try {
      await client.query('BEGIN');
      published = await bus.publish(
        cardTransition,
        { cardId: 'c1', loopId: 'L1', toStage: 'triggered' },
        { tenantId: 'acme', tx: client, correlationId: 'req-1' },
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await Promise.all([notifications.until(1), audit.until(1), live.until(1)]);
    expect(published.sequence).toBe(1);
    expect(published.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const received of [notifications, audit, live]) {
      expect(received.events[0]).toMatchObject({
        id: published.id,
        type: 'card.transition',
        schemaVersion: 1,
        source: 'kanban',
        tenantId: 'acme',
        sequence: 1,
        correlationId: 'req-1',
        payload: { cardId: 'c1', loopId: 'L1', toStage: 'triggered' },
      });
    }
    // Once: another relay pass and the subscribers still saw it once.
    await bus.relayed();
    await bus.relayed();
    // Completions are written a few ms after the handlers return.
    await eventually(async () => {
      const jobs = await sql(
        db.url,
        "SELECT name FROM conveyor.job_runs WHERE name LIKE 'event:%' ORDER BY name",
      );
      expect(jobs.map((r) => r.name)).toEqual(['event:audit', 'event:notifications']);
    });
    expect(notifications.events).toHaveLength(1);
    expect(audit.events).toHaveLength(1);
  });

  it('publishes nothing anywhere when the transaction rolls back', async () => {
    const before = { n: notifications.events.length, a: audit.events.length, l: live.events.length };
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await bus.publish(
        cardTransition,
        { cardId: 'c2', loopId: 'L1', toStage: 'ordered' },
        { tenantId: 'acme', tx: client },
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    // A committed marker afterwards: once it has arrived everywhere, the rolled-back one would have too.
    const marker = await bus.publish(
      orderCreated,
      { orderId: 'o1', orderNumber: 'PO-1' },
      { tenantId: 'acme' },
    );
    await Promise.all([audit.until(before.a + 1), live.until(before.l + 1)]);
    await bus.relayed();
    expect(marker.sequence).toBe(2); // the rolled-back publish gave its number back
    expect(audit.events.slice(before.a).map((e) => e.payload)).toEqual([
      { orderId: 'o1', orderNumber: 'PO-1' },
    ]);
    expect(live.events.slice(before.l).map((e) => e.type)).toEqual(['order.created']);
    expect(notifications.events).toHaveLength(before.n);
    const rows = await sql(
      db.url,
      "SELECT count(*)::int AS n FROM conveyor.events WHERE payload->>'cardId' = 'c2'",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('refuses a bad event naming the field, writing nothing; a bad batch item fails alone', async () => {
    const count = async () =>
      (await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM conveyor.events'))[0]!.n;
    const before = await count();
    const bad = bus.publish(
      cardTransition,
      { cardId: 'c3', loopId: 'L1', toStage: 'lost' as never },
      { tenantId: 'acme' },
    );
    await expect(bad).rejects.toThrow(ValidationError);
    await expect(bad).rejects.toMatchObject({ field: 'payload.toStage' });
    await expect(
      bus.publish(cardTransition, { cardId: 'c3', loopId: 'L1', toStage: 'created' }, {}),
    ).rejects.toMatchObject({ field: 'options.tenantId' });
    expect(await count()).toBe(before);

    const results = await bus.publishMany([
      {
        event: orderCreated,
        payload: { orderId: 'o2', orderNumber: 'PO-2' },
        options: { tenantId: 'globex' },
      },
      { event: orderCreated, payload: { orderId: 42 }, options: { tenantId: 'globex' } },
      {
        event: orderCreated,
        payload: { orderId: 'o3', orderNumber: 'PO-3' },
        options: { tenantId: 'globex' },
      },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const failed = results[1] as { ok: false; error: ValidationError };
    expect(failed.error.field).toBe('items[1].payload.orderId');
    expect(results.filter((r) => r.ok).map((r) => (r as { event: EventEnvelope }).event.sequence)).toEqual([
      1, 2,
    ]);
    expect(await count()).toBe(before + 2);
  });

  it('numbers each tenant stream without gaps, in commit order, under concurrent transactions', async () => {
    const tenants = ['t1', 't2', 't3'];
    const rolledBack: number[] = [];
    await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const tenantId = tenants[i % 3]!;
          await bus.publish(
            orderCreated,
            { orderId: `x${i}`, orderNumber: `N${i}` },
            { tenantId, tx: client },
          );
          // Every fifth one rolls back: its numbers must be reused, not skipped.
          if (i % 5 === 0) {
            rolledBack.push(i);
            await client.query('ROLLBACK');
          } else await client.query('COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    for (const tenantId of tenants) {
      const rows = await sql<{ sequence: string }>(
        db.url,
        'SELECT sequence FROM conveyor.events WHERE stream = $1 ORDER BY sequence',
        [tenantId],
      );
      const committed = 20 - rolledBack.filter((i) => tenants[i % 3] === tenantId).length;
      expect(rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: committed }, (_, k) => k + 1));
    }
  });

  it("never shows one tenant another tenant's events, live or from history", async () => {
    await bus.publish(orderCreated, { orderId: 'secret', orderNumber: 'PO-X' }, { tenantId: 'globex' });
    await bus.publish(orderCreated, { orderId: 'mine', orderNumber: 'PO-Y' }, { tenantId: 'acme' });
    await live.until(live.events.length + 1);
    await bus.relayed();
    expect(live.events.every((e) => e.tenantId === 'acme')).toBe(true);
    // acme asks for history with sequences guessed from globex's stream: only acme's events come back.
    const history = await bus.history.since({ tenantId: 'acme', afterSequence: 0, limit: 100 });
    expect(history.events.length).toBeGreaterThan(0);
    expect(history.events.every((e) => e.tenantId === 'acme')).toBe(true);
    expect(JSON.stringify(history.events)).not.toContain('secret');
  });

  it("publishes through an ORM's one-method executor (Kysely), committed or rolled back with it", async () => {
    const kysely = new Kysely<Record<string, never>>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }),
    });
    try {
      const executorOf = (trx: Kysely<Record<string, never>>): SqlExecutor => ({
        query: (text, values) => trx.executeQuery(CompiledQuery.raw(text, values ?? [])),
      });
      const committed = await kysely
        .transaction()
        .execute((trx) =>
          bus.publish(
            orderCreated,
            { orderId: 'k1', orderNumber: 'PO-K1' },
            { tenantId: 'kysely', tx: executorOf(trx) },
          ),
        );
      await expect(
        kysely.transaction().execute(async (trx) => {
          await bus.publish(
            orderCreated,
            { orderId: 'k2', orderNumber: 'PO-K2' },
            { tenantId: 'kysely', tx: executorOf(trx) },
          );
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      const rows = await sql(
        db.url,
        "SELECT payload->>'orderId' AS id, sequence FROM conveyor.events WHERE stream = 'kysely'",
      );
      expect(rows).toEqual([{ id: 'k1', sequence: String(committed.sequence) }]);
    } finally {
      await kysely.destroy();
    }
  });
});
