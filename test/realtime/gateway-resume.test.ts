/**
 * Resume beyond Socket.IO, over a history the test controls (a real PostgreSQL table): a client
 * reconnecting with its last sequence gets exactly what it missed, in order, then live events,
 * with no duplicate and no gap across the switch even while events arrive during the history read;
 * this works after a gateway restart (a new gateway on the same port, the client reconnecting on
 * its own); too far behind, or behind pruned events, it gets `reset`. A node's live stream drops
 * duplicates and fills a gap from the history.
 */
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src/events/event-envelope.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { until } from '../support/until.ts';
import { envelope } from './support/envelopes.ts';
import { connected, type GatewayNode, nextEvent, record, startGatewayNode } from './support/gateway-node.ts';
import { openFanout, type TestFanout, uniquePrefix } from './support/redis-fanout.ts';
import { TableHistory } from './support/table-history.ts';
import { signToken } from './support/tokens.ts';

const sequencesOf = (seen: Array<{ event: string; data: unknown }>, type = 'card.transition'): number[] =>
  seen.filter((item) => item.event === type).map((item) => (item.data as EventEnvelope).sequence);

describe('realtime gateway: resume from the history', () => {
  const prefix = uniquePrefix();
  let db: TestDatabase;
  let history: TableHistory;
  let relay: TestFanout;
  let node: GatewayNode;
  const sequences = new Map<string, number>();

  /** Commits (appends to the history) then fans out, as the bus does. */
  async function publish(
    tenantId: string,
    count: number,
    options: { fanout?: boolean } = {},
  ): Promise<EventEnvelope[]> {
    const events: EventEnvelope[] = [];
    for (let n = 0; n < count; n += 1) {
      const sequence = (sequences.get(tenantId) ?? 0) + 1;
      sequences.set(tenantId, sequence);
      events.push(envelope(tenantId, sequence, 'card.transition', { n: sequence }));
    }
    await history.append(events);
    if (options.fanout !== false) await relay.deliver(events);
    return events;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    history = new TableHistory(db.url);
    await history.setup();
    relay = openFanout(prefix);
    node = await startGatewayNode(prefix, { history, limits: { resumeWindow: 20 } });
  });
  afterAll(async () => {
    await node?.close();
    await relay?.close();
    await history?.close();
    await db?.drop();
  });

  it('replays what a client missed, in order, then goes live without duplicates', async () => {
    const token = await signToken({ sub: 'u1', tenantId: 'resume-a' });
    const first = node.connect({ token });
    await connected(first);
    const seenFirst = record(first);
    await publish('resume-a', 3);
    await until(() => sequencesOf(seenFirst).length === 3, 5_000);
    first.disconnect();
    await publish('resume-a', 3); // 4..6, missed

    const again = node.connect({ token, lastSequence: 3 });
    const seen = record(again);
    await connected(again);
    await publish('resume-a', 1); // 7, live
    await until(() => sequencesOf(seen).includes(7), 5_000);
    expect(sequencesOf(seenFirst)).toEqual([1, 2, 3]);
    expect(sequencesOf(seen)).toEqual([4, 5, 6, 7]);
    // The replay comes before `connected`, which says the socket is live.
    expect(seen.findIndex((item) => item.event === 'connected')).toBe(3);
    again.disconnect();
  });

  it('has neither a gap nor a duplicate when events arrive while the history is read', async () => {
    const tenantId = 'resume-b';
    const token = await signToken({ sub: 'u1', tenantId });
    const watcher = node.connect({ token: await signToken({ sub: 'watcher', tenantId }) });
    await connected(watcher);
    const watched = record(watcher);
    await publish(tenantId, 3);
    await until(() => sequencesOf(watched).length === 3, 5_000);

    // Just before the query: 4 and 5 are committed and fanned out (both in the history and live).
    // After the query, before the gateway sees its result: 6 and 7 (live only).
    history.beforeRead = async () => {
      history.beforeRead = null;
      await publish(tenantId, 2);
      await until(() => sequencesOf(watched).length === 5, 5_000);
    };
    history.afterRead = async () => {
      history.afterRead = null;
      await publish(tenantId, 2);
      await until(() => sequencesOf(watched).length === 7, 5_000);
    };
    const resumed = node.connect({ token, lastSequence: 2 });
    const seen = record(resumed);
    await connected(resumed);
    await publish(tenantId, 1); // 8
    await until(() => sequencesOf(seen).includes(8), 5_000);
    expect(sequencesOf(seen)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(sequencesOf(watched)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    resumed.disconnect();
    watcher.disconnect();
  });

  it('sends reset when the client is further behind than the window, or behind pruned events', async () => {
    const tenantId = 'resume-c';
    const token = await signToken({ sub: 'u1', tenantId });
    await publish(tenantId, 30, { fanout: false });
    const farBehind = node.connect({ token, lastSequence: 2 }); // 28 missed > window 20
    const farSeen = record(farBehind);
    const resetFar = nextEvent<{ reason: string; lastSequence: number }>(farBehind, 'reset');
    await connected(farBehind);
    expect(await resetFar).toEqual({ reason: 'history incomplete', lastSequence: 2 });
    expect(sequencesOf(farSeen)).toEqual([]);

    await history.prune(tenantId, 15);
    const behindPruned = node.connect({ token, lastSequence: 12 });
    const resetPruned = nextEvent(behindPruned, 'reset');
    await connected(behindPruned);
    expect(await resetPruned).toMatchObject({ lastSequence: 12 });

    // Within the window and after the pruned part: a plain replay.
    const recent = node.connect({ token, lastSequence: 25 });
    const recentSeen = record(recent);
    await connected(recent);
    expect(sequencesOf(recentSeen)).toEqual([26, 27, 28, 29, 30]);
    expect(recentSeen.some((item) => item.event === 'reset')).toBe(false);
    for (const client of [farBehind, behindPruned, recent]) client.disconnect();
  });

  it('refuses a malformed lastSequence at the handshake', async () => {
    const token = await signToken({ sub: 'u1', tenantId: 'resume-a' });
    const client = node.connect({ token, lastSequence: -4 });
    const error = await new Promise<Error>((resolve) => client.once('connect_error', resolve));
    expect(error.message).toMatch(/^lastSequence must be a whole number/);
  });

  it("fills a gap in a node's live stream from the history and drops duplicates", async () => {
    const tenantId = 'resume-d';
    const client = node.connect({ token: await signToken({ sub: 'u1', tenantId }) });
    await connected(client);
    const seen = record(client);
    const [one] = await publish(tenantId, 1);
    await until(() => sequencesOf(seen).length === 1, 5_000);
    // 2 and 3 committed but their fan-out lost; 4 arrives; then 4 and 1 again (a relay retry).
    await publish(tenantId, 2, { fanout: false });
    const [four] = await publish(tenantId, 1, { fanout: false });
    await relay.deliver([four!, four!, one!]);
    await until(() => sequencesOf(seen).length === 4, 5_000);
    await publish(tenantId, 1); // 5
    await until(() => sequencesOf(seen).includes(5), 5_000);
    expect(sequencesOf(seen)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.some((item) => item.event === 'reset')).toBe(false);

    // A gap the history cannot fill (pruned): reset to the tenant's sockets, then on.
    await publish(tenantId, 2, { fanout: false }); // 6, 7
    await history.prune(tenantId, 6);
    const [eight] = await publish(tenantId, 1, { fanout: false });
    const reset = nextEvent(client, 'reset');
    await relay.deliver([eight!]);
    expect(await reset).toEqual({ reason: 'events lost', lastSequence: 5 });
    await until(() => sequencesOf(seen).includes(8), 5_000);
    expect(sequencesOf(seen)).toEqual([1, 2, 3, 4, 5, 7, 8]);
    client.disconnect();
  });

  it('resumes after a gateway restart: the client reconnects on its own and gets exactly what it missed', async () => {
    const tenantId = 'resume-e';
    const token = await signToken({ sub: 'u1', tenantId });
    const port = Number(new URL(node.url).port);
    let lastSequence: number | null = null;
    const received: number[] = [];
    const client: ClientSocket = connectClient(node.url, {
      transports: ['websocket'],
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      // Called on every (re)connection: the resume point is the last event the client saw.
      auth: (send) => send({ token, ...(lastSequence === null ? {} : { lastSequence }) }),
    });
    client.on('card.transition', (event: EventEnvelope) => {
      received.push(event.sequence);
      lastSequence = event.sequence;
    });
    try {
      await connected(client);
      await publish(tenantId, 3);
      await until(() => received.length === 3, 5_000);

      await node.close(); // the gateway goes away...
      await publish(tenantId, 4); // ...events 4-7 are committed meanwhile (their fan-out reaches no one)
      const reconnected = connected(client, 10_000);
      node = await startGatewayNode(prefix, { history, limits: { resumeWindow: 20 }, port });
      await reconnected;
      await publish(tenantId, 1); // 8, live on the new gateway
      await until(() => received.includes(8), 5_000);
      expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      client.disconnect();
    }
  });
});

describe('realtime gateway: resume without a history', () => {
  let node: GatewayNode;
  let relay: TestFanout;
  beforeAll(async () => {
    const prefix = uniquePrefix();
    node = await startGatewayNode(prefix);
    relay = openFanout(prefix);
  });
  afterAll(async () => {
    await node?.close();
    await relay?.close();
  });

  it('tells a resuming client to refetch, then serves it live', async () => {
    const client = node.connect({
      token: await signToken({ sub: 'u1', tenantId: 'no-history' }),
      lastSequence: 7,
    });
    const seen = record(client);
    await connected(client);
    expect(seen.map((item) => item.event)).toEqual(['reset', 'connected']);
    expect(seen[0]?.data).toEqual({ reason: 'history incomplete', lastSequence: 7 });
    const event = envelope('no-history', 9, 'card.transition', {});
    const arrives = nextEvent(client, 'card.transition');
    await relay.deliver([event]);
    expect(await arrives).toEqual(event);
    client.disconnect();
  });
});
