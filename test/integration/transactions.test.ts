import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob, type SqlExecutor } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
const orderPlaced = defineJob<{ orderId: string }>({
  name: 'order-placed',
  queue: 'orders',
  handler: async () => null,
});

describe('enqueue inside the caller’s transaction', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await pool.query('CREATE TABLE orders (id text PRIMARY KEY)');
  });
  afterAll(async () => {
    await pool.end();
  });

  const jobsFor = async (orderId: string) =>
    (await sql(db.url, "SELECT id FROM tx.jobs WHERE payload->>'orderId' = $1", [orderId])).length;

  it('with a node-postgres client: the job commits or rolls back with the business write', async () => {
    const conveyor = db.open({ jobs: [orderPlaced], schema: 'tx' });
    await conveyor.migrate();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id) VALUES ($1)', ['o-1']);
      const { id } = await conveyor.enqueue(orderPlaced, { orderId: 'o-1' }, { tx: client });
      expect(id).toMatch(/^\d+$/);
      await client.query('ROLLBACK');
      expect(await jobsFor('o-1')).toBe(0);

      await client.query('BEGIN');
      await client.query('INSERT INTO orders (id) VALUES ($1)', ['o-2']);
      await conveyor.enqueue(orderPlaced, { orderId: 'o-2' }, { tx: client });
      expect(await jobsFor('o-2')).toBe(0);
      await client.query('COMMIT');
      expect(await jobsFor('o-2')).toBe(1);
    } finally {
      client.release();
    }
  });

  it('with Kysely through a one-method executor, including bulk enqueue', async () => {
    const conveyor = db.open({ jobs: [orderPlaced], schema: 'tx' });
    const kysely = new Kysely<{ orders: { id: string } }>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 2 }) }),
    });
    try {
      const executorOf = (trx: Kysely<{ orders: { id: string } }>): SqlExecutor => ({
        query: (text, values) => trx.executeQuery(CompiledQuery.raw(text, values ?? [])),
      });
      await kysely.transaction().execute(async (trx) => {
        await trx.insertInto('orders').values({ id: 'o-3' }).execute();
        await conveyor.enqueue(orderPlaced, { orderId: 'o-3' }, { tx: executorOf(trx) });
        await conveyor.enqueueMany(
          orderPlaced,
          [{ payload: { orderId: 'o-4' } }, { payload: { orderId: 'o-4' } }],
          { tx: executorOf(trx) },
        );
      });
      expect(await jobsFor('o-3')).toBe(1);
      expect(await jobsFor('o-4')).toBe(2);

      await expect(
        kysely.transaction().execute(async (trx) => {
          await conveyor.enqueue(orderPlaced, { orderId: 'o-5' }, { tx: executorOf(trx) });
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      expect(await jobsFor('o-5')).toBe(0);
    } finally {
      await kysely.destroy();
    }
  });
});
