/**
 * The whole path of issue 14 with nothing in between faked: a publish inside the caller's
 * transaction → the outbox → the relay → a durable subscriber (a Conveyor job) and the Redis
 * fan-out → the realtime gateway → a real socket.io-client of that tenant. A rolled-back publish
 * reaches no subscriber and no socket. A client that was away while the gateway restarted gets
 * exactly what it missed, read back from the real outbox (bus.history).
 */
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Conveyor,
  createEventBus,
  type EventBus,
  type EventEnvelope,
  RedisEventFanout,
} from '../../src/index.ts';
import { cardTransition, Received } from '../events/bus-support.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { testLogger } from '../support/silent-logger.ts';
import { until } from '../support/until.ts';
import { connected, type GatewayNode, startGatewayNode } from './support/gateway-node.ts';
import { REDIS_URL, uniquePrefix } from './support/redis-fanout.ts';
import { signToken } from './support/tokens.ts';

const db = useConveyorDatabase();

describe('bus → relay → Redis → gateway → socket', () => {
  const prefix = uniquePrefix();
  let conveyor: Conveyor;
  let bus: EventBus;
  let pool: pg.Pool;
  let node: GatewayNode;
  const subscriber = new Received();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    conveyor = db.open({ jobs: [] });
    bus = createEventBus({
      conveyor,
      source: 'kanban',
      events: [cardTransition],
      sinks: [new RedisEventFanout({ redis: REDIS_URL, prefix, log: testLogger })],
      localFanout: false,
      relay: { pollInterval: '200ms' },
    });
    await bus.subscribe('card.*', (event) => subscriber.push(event), { name: 'notifications' });
    await conveyor.worker({ queues: ['events'], concurrency: 4, handleSignals: false }).start();
    node = await startGatewayNode(prefix, { history: bus.history });
  });
  afterAll(async () => {
    await node?.close();
    await conveyor?.close();
    await pool?.end();
  });

  async function publishIn(tenantId: string, cardId: string, outcome: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await bus.publish(
        cardTransition,
        { cardId, loopId: 'L1', toStage: 'triggered' },
        { tenantId, tx: client },
      );
      await client.query(outcome);
    } finally {
      client.release();
    }
  }

  it("delivers a committed event to its durable subscriber once and to that tenant's sockets only; a rollback reaches nobody", async () => {
    const acme = node.connect({ token: await signToken({ sub: 'u1', tenantId: 'acme' }) });
    const globex = node.connect({ token: await signToken({ sub: 'u9', tenantId: 'globex' }) });
    const atAcme: EventEnvelope[] = [];
    const atGlobex: EventEnvelope[] = [];
    acme.on('card.transition', (event: EventEnvelope) => atAcme.push(event));
    globex.on('card.transition', (event: EventEnvelope) => atGlobex.push(event));
    await Promise.all([connected(acme), connected(globex)]);

    await publishIn('acme', 'rolled-back', 'ROLLBACK');
    await publishIn('acme', 'c1', 'COMMIT');
    await until(() => atAcme.length >= 1 && subscriber.events.length >= 1);
    // One more committed event proves the relay went past the rolled-back one's moment.
    await publishIn('acme', 'c2', 'COMMIT');
    await until(() => atAcme.length >= 2 && subscriber.events.length >= 2);
    await bus.relayed();
    await delay(200);

    expect(atAcme.map((e) => [e.payload, e.sequence, e.tenantId])).toEqual([
      [{ cardId: 'c1', loopId: 'L1', toStage: 'triggered' }, 1, 'acme'],
      [{ cardId: 'c2', loopId: 'L1', toStage: 'triggered' }, 2, 'acme'],
    ]);
    expect(subscriber.events.map((e) => (e.payload as { cardId: string }).cardId).sort()).toEqual([
      'c1',
      'c2',
    ]);
    expect(atGlobex).toEqual([]);
    // The rolled-back event left nothing: no outbox row, no subscriber job.
    const history = await bus.history.since({ tenantId: 'acme', afterSequence: 0, limit: 10 });
    expect(history.events.map((e) => (e.payload as { cardId: string }).cardId)).toEqual(['c1', 'c2']);
    const jobs = await conveyor.listJobs({ queue: 'events' });
    expect(jobs.filter((job) => JSON.stringify(job.payload).includes('rolled-back'))).toEqual([]);
  });

  it('resumes a client from the outbox after a gateway restart: exactly the events it missed, then live', async () => {
    const tenantId = 'resume-tenant';
    const token = await signToken({ sub: 'u1', tenantId });
    const port = Number(new URL(node.url).port);
    let lastSequence: number | null = null;
    const received: number[] = [];
    const client: ClientSocket = connectClient(node.url, {
      transports: ['websocket'],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      auth: (send) => send({ token, ...(lastSequence === null ? {} : { lastSequence }) }),
    });
    let resets = 0;
    client.on('reset', () => {
      resets += 1;
    });
    client.on('card.transition', (event: EventEnvelope) => {
      received.push(event.sequence);
      lastSequence = event.sequence;
    });
    const publish = async (cards: string[]): Promise<void> => {
      for (const cardId of cards) {
        await bus.publish(cardTransition, { cardId, loopId: 'L2', toStage: 'ordered' }, { tenantId });
      }
    };
    try {
      await connected(client);
      await publish(['a', 'b']);
      await until(() => received.length === 2);

      await node.close(); // the gateway goes away…
      await publish(['c', 'd', 'e']); // …three events are committed and relayed to nobody
      await bus.relayed();
      const reconnected = connected(client, 15_000);
      node = await startGatewayNode(prefix, { history: bus.history, port });
      await reconnected;
      await publish(['f']); // live on the new gateway
      await until(() => received.length === 6);
      await delay(200);

      expect(received).toEqual([1, 2, 3, 4, 5, 6]);
      expect(resets).toBe(0);
    } finally {
      client.close();
    }
  });
});
