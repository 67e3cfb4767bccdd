/**
 * Arda's worked flow on the event bus: a card scan commits its event with the card; the
 * notification service (a durable subscriber) writes a notification per active user and publishes
 * `notification.created` per user; the live fan-out pushes them through the seed's EventBus API
 * (subscribeTenant), only to that tenant. A scan that fails leaves no event and no notification.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArdaEvent, createArdaEvents } from '../../examples/arda/arda-events.ts';
import { createArdaTables } from '../../examples/arda/arda-tables.ts';
import type { Conveyor } from '../../src/index.ts';
import { Received } from '../events/bus-support.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();

describe('Arda events: card scan → event → notification → push', () => {
  let pool: pg.Pool;
  let conveyor: Conveyor;
  let arda: ReturnType<typeof createArdaEvents>;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    await createArdaTables(pool);
    await pool.query(`
      INSERT INTO tenant_users (tenant_id, user_id) VALUES ('acme', 'u1'), ('acme', 'u2'), ('globex', 'u3');
      INSERT INTO kanban_cards (tenant_id, id, stage, stage_entered_at) VALUES
        ('acme', 'card-1', 'created', now()), ('globex', 'card-9', 'created', now());
    `);
    conveyor = db.open({ jobs: [] });
    arda = createArdaEvents({ conveyor, pool });
    await arda.start();
    await conveyor.worker({ queues: ['events'], handleSignals: false }).start();
  });
  afterAll(async () => {
    await arda?.eventBus.shutdown();
    await conveyor?.close();
    await pool?.end();
  });

  it('notifies every active user of the tenant and pushes it to that tenant only', async () => {
    const acme = new Received();
    const globex = new Received();
    const pushAcme = (event: ArdaEvent) => acme.push({ payload: event } as never);
    await arda.eventBus.subscribeTenant('acme', pushAcme);
    await arda.eventBus.subscribeTenant('globex', (event) => globex.push({ payload: event } as never));
    expect(await arda.eventBus.ping()).toBe(true);

    await arda.scanCard({ tenantId: 'acme', cardId: 'card-1', loopId: 'L1', userId: 'u1' });
    // card.transition, then notification.created for u1 and u2.
    await acme.until(3);
    const types = acme.events.map((e) => (e.payload as ArdaEvent).type);
    expect(types[0]).toBe('card.transition');
    expect(types.slice(1).sort()).toEqual(['notification.created', 'notification.created']);
    const users = acme.events.slice(1).map((e) => (e.payload as ArdaEvent).userId);
    expect(users.sort()).toEqual(['u1', 'u2']);
    const rows = await sql(
      db.url,
      "SELECT user_id FROM notifications WHERE tenant_id = 'acme' ORDER BY user_id",
    );
    expect(rows.map((r) => r.user_id)).toEqual(['u1', 'u2']);
    expect(globex.events).toHaveLength(0);

    // A scan of a card that does not exist rolls back: no event, no notification.
    await expect(
      arda.scanCard({ tenantId: 'acme', cardId: 'nope', loopId: 'L1', userId: 'u1' }),
    ).rejects.toThrow('card nope not found');
    await arda.eventBus.unsubscribeTenant('acme', pushAcme);
    await arda.scanCard({ tenantId: 'globex', cardId: 'card-9', loopId: 'L7', userId: 'u3' });
    await globex.until(2);
    expect(acme.events).toHaveLength(3);
    expect(globex.events.every((e) => (e.payload as ArdaEvent).tenantId === 'globex')).toBe(true);
    const events = await sql(
      db.url,
      "SELECT count(*)::int AS n FROM conveyor.events WHERE payload->>'cardId' = 'nope'",
    );
    expect(events[0]?.n).toBe(0);
  });
});
