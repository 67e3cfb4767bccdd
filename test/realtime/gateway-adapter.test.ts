/**
 * With the Socket.IO Redis adapter installed (for the application's own broadcasts), a broadcast
 * from node A reaches sockets on node B, and a bus event still reaches each socket exactly once:
 * bus events are emitted locally by each node's fan-out subscription, never through the adapter.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantRoom, userRoom } from '../../src/realtime/index.ts';
import { envelope } from './support/envelopes.ts';
import { connected, type GatewayNode, nextEvent, record, startGatewayNode } from './support/gateway-node.ts';
import { openFanout, REDIS_URL, type TestFanout, uniquePrefix } from './support/redis-fanout.ts';
import { signToken } from './support/tokens.ts';

describe('realtime gateway: with the Socket.IO Redis adapter', () => {
  const prefix = uniquePrefix();
  let nodeA: GatewayNode;
  let nodeB: GatewayNode;
  let relay: TestFanout;
  beforeAll(async () => {
    const adapter = { redis: REDIS_URL, key: `${prefix}-sio` };
    nodeA = await startGatewayNode(prefix, { adapter });
    nodeB = await startGatewayNode(prefix, { adapter });
    relay = openFanout(prefix);
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await relay?.close();
  });

  it("carries the application's broadcasts across nodes and bus events once per socket", async () => {
    const onA = nodeA.connect({ token: await signToken({ sub: 'u1', tenantId: 'adapter-t' }) });
    const onB = nodeB.connect({ token: await signToken({ sub: 'u2', tenantId: 'adapter-t' }) });
    await Promise.all([connected(onA), connected(onB)]);
    const seenA = record(onA);
    const seenB = record(onB);

    // The application, on node A, tells user u2 (connected to node B) something.
    const direct = nextEvent(onB, 'app.notice');
    nodeA.gateway.io.to(userRoom('adapter-t', 'u2')).emit('app.notice', { text: 'hello' });
    expect(await direct).toEqual({ text: 'hello' });

    const event = envelope('adapter-t', 1, 'order.created', { orderId: 'o1' });
    const both = Promise.all([nextEvent(onA, 'order.created'), nextEvent(onB, 'order.created')]);
    await relay.deliver([event]);
    expect(await both).toEqual([event, event]);
    // A broadcast to the tenant room through the adapter, as a marker: once it arrived on both,
    // anything the adapter would have duplicated has arrived too.
    const markers = Promise.all([nextEvent(onA, 'app.marker'), nextEvent(onB, 'app.marker')]);
    nodeB.gateway.io.to(tenantRoom('adapter-t')).emit('app.marker', {});
    await markers;
    await delay(50);
    expect(seenA.map((seen) => seen.event)).toEqual(['order.created', 'app.marker']);
    expect(seenB.map((seen) => seen.event)).toEqual(['app.notice', 'order.created', 'app.marker']);
    onA.disconnect();
    onB.disconnect();
  });
});
