/**
 * The bus on the embedded database (PGlite in a data folder, no server, no Redis), end to end: a
 * publish inside a transaction of a node-postgres client connected to the folder's holder, and one
 * without; durable subscribers run on a worker; the live fan-out reaches a listener in this process
 * and one in another Conveyor instance over LISTEN/NOTIFY; a rolled-back publish reaches nobody.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type Conveyor, createConveyor, createEventBus } from '../../src/index.ts';
import { folderEndpoint } from '../../src/store/pglite/folder-endpoint.ts';
import { useFolders } from '../embedded/folders.ts';
import { testLogger } from '../support/silent-logger.ts';
import { cardTransition, orderCreated, Received } from './bus-support.ts';

const folders = useFolders();

describe('the event bus on the embedded database', () => {
  const opened: Conveyor[] = [];
  afterAll(async () => {
    for (const conveyor of opened.reverse()) await conveyor.close();
  });

  it('publishes, relays to durable subscribers and fans out live, with no server at all', async () => {
    const dataDir = await folders.fresh();
    const holder = createConveyor({ jobs: [], dataDir, logger: testLogger });
    opened.push(holder);
    const bus = createEventBus({ conveyor: holder, source: 'kanban', relay: { pollInterval: '200ms' } });
    const durable = new Received();
    const here = new Received();
    await bus.subscribe('card.*', (event) => durable.push(event), { name: 'notifications' });
    await bus.fanout.subscribe({ tenantId: 'acme' }, here.push);
    await holder.worker({ queues: ['events'], handleSignals: false }).start();

    // Another process's view: a second instance on the same folder (a client of the holder).
    const other = createConveyor({ jobs: [], dataDir, logger: testLogger });
    opened.push(other);
    const otherBus = createEventBus({ conveyor: other, relay: false });
    const there = new Received();
    await otherBus.fanout.subscribe({ global: true }, there.push);

    const client = new pg.Client({ connectionString: folderEndpoint(dataDir).connectionString });
    await client.connect();
    try {
      await client.query('BEGIN');
      await bus.publish(
        cardTransition,
        { cardId: 'c0', loopId: 'L1', toStage: 'created' },
        { tenantId: 'acme', tx: client },
      );
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await bus.publish(
        cardTransition,
        { cardId: 'c1', loopId: 'L1', toStage: 'triggered' },
        { tenantId: 'acme', tx: client },
      );
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    await bus.publish(orderCreated, { orderId: 'o1', orderNumber: 'PO-1' }, { tenantId: 'acme' });

    await Promise.all([durable.until(1), here.until(2), there.until(2)]);
    await bus.relayed();
    expect(durable.events.map((e) => e.payload)).toEqual([
      { cardId: 'c1', loopId: 'L1', toStage: 'triggered' },
    ]);
    for (const received of [here, there]) {
      expect(received.events.map((e) => [e.type, e.sequence])).toEqual([
        ['card.transition', 1],
        ['order.created', 2],
      ]);
    }
    expect(await bus.history.since({ tenantId: 'acme', afterSequence: 1, limit: 10 })).toMatchObject({
      complete: true,
      events: [{ type: 'order.created', sequence: 2 }],
    });
  }, 120_000); // PGlite's first folder and a second instance through it: ~11 s idle, several times that under load
});
