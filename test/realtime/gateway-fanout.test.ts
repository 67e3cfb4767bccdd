/**
 * Two gateway nodes on one Redis: an event delivered through the fan-out (as the relay does, from
 * another process) reaches the tenant's sockets on both nodes, once each, under its type as the
 * Socket.IO event name; tenant A's sockets never receive tenant B's events and never join B's loop
 * room, even with B's ids; resource rooms need the authorizer's yes; a route can narrow an event
 * to one user's sockets.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomRequest } from '../../src/realtime/index.ts';
import { resourceRoom, tenantRoom } from '../../src/realtime/index.ts';
import { envelope } from './support/envelopes.ts';
import { connected, type GatewayNode, nextEvent, record, startGatewayNode } from './support/gateway-node.ts';
import { openFanout, REDIS_URL, type TestFanout, uniquePrefix } from './support/redis-fanout.ts';
import { signToken } from './support/tokens.ts';

/** Which tenant owns which loop (the application's data the authorizer reads). */
const LOOPS = new Map([
  ['loop-a1', 'tenant-a'],
  ['loop-b1', 'tenant-b'],
]);
const authorizeCalls: RoomRequest[] = [];
const authorize = async ({ kind, id, identity }: RoomRequest): Promise<boolean> => {
  authorizeCalls.push({ kind, id, identity });
  if (id === 'loop-throws') throw new Error('database down');
  return kind === 'loop' && LOOPS.get(id) === identity.tenantId;
};

describe('realtime gateway: fan-out across two nodes and tenancy', () => {
  const prefix = uniquePrefix();
  let nodeA: GatewayNode;
  let nodeB: GatewayNode;
  let relay: TestFanout;
  let sequence = { 'tenant-a': 0, 'tenant-b': 0 };
  const next = (tenant: 'tenant-a' | 'tenant-b'): number => {
    sequence = { ...sequence, [tenant]: sequence[tenant] + 1 };
    return sequence[tenant];
  };
  const route = (event: { type: string; payload: unknown }) => {
    if (event.type === 'notification.created')
      return { userIds: [(event.payload as { userId: string }).userId] };
    if (event.type === 'loop.parameters_changed')
      return { resources: [{ kind: 'loop', id: (event.payload as { loopId: string }).loopId }] };
    return 'tenant' as const;
  };

  beforeAll(async () => {
    nodeA = await startGatewayNode(prefix, { authorize, route });
    nodeB = await startGatewayNode(prefix, { authorize, route });
    relay = openFanout(prefix);
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await relay?.close();
  });

  it('delivers a tenant event to its sockets on both nodes, once each, under its type', async () => {
    const onA = nodeA.connect({ token: await signToken({ sub: 'u1', tenantId: 'tenant-a' }) });
    const onB = nodeB.connect({ token: await signToken({ sub: 'u2', tenantId: 'tenant-a' }) });
    await Promise.all([connected(onA), connected(onB)]);
    const seenA = record(onA);
    const seenB = record(onB);
    const event = envelope('tenant-a', next('tenant-a'), 'card.transition', {
      cardId: 'c1',
      toStage: 'triggered',
    });
    const arrivals = Promise.all([nextEvent(onA, 'card.transition'), nextEvent(onB, 'card.transition')]);
    await relay.deliver([event]);
    expect(await arrivals).toEqual([event, event]);
    // Each node subscribed once to the tenant's channel.
    expect(nodeA.gateway.stats().subscriptions).toBe(1);
    expect(nodeB.gateway.stats().subscriptions).toBe(1);
    await delay(100);
    expect(seenA.map((seen) => seen.event)).toEqual(['card.transition']);
    expect(seenB.map((seen) => seen.event)).toEqual(['card.transition']);
    onA.disconnect();
    onB.disconnect();
  });

  it("never gives tenant A's socket tenant B's events, whichever node either is on", async () => {
    const alice = nodeA.connect({ token: await signToken({ sub: 'alice', tenantId: 'tenant-a' }) });
    const bob = nodeB.connect({ token: await signToken({ sub: 'bob', tenantId: 'tenant-b' }) });
    const bobOnA = nodeA.connect({ token: await signToken({ sub: 'bob2', tenantId: 'tenant-b' }) });
    await Promise.all([connected(alice), connected(bob), connected(bobOnA)]);
    const seenByAlice = record(alice);
    const forB = envelope('tenant-b', next('tenant-b'), 'order.created', { orderId: 'o-b' });
    // A message on A's channel that claims to be B's: the stream of A drops it.
    const smuggled = { ...envelope('tenant-b', 999, 'order.created', { orderId: 'o-smuggled' }) };
    const forA = envelope('tenant-a', next('tenant-a'), 'order.created', { orderId: 'o-a' });
    const bobGets = Promise.all([nextEvent(bob, 'order.created'), nextEvent(bobOnA, 'order.created')]);
    const aliceGets = nextEvent(alice, 'order.created');
    await relay.deliver([forB]);
    await relay.deliver([{ ...smuggled }].map((event) => ({ ...event, tenantId: 'tenant-b' })));
    await publishRaw(`${prefix}:events:tenant-a`, smuggled);
    await relay.deliver([forA]);
    expect(await bobGets).toEqual([forB, forB]);
    expect(await aliceGets).toEqual(forA);
    await delay(100);
    expect(
      seenByAlice.map((seen) => (seen.data as { payload: { orderId: string } }).payload.orderId),
    ).toEqual(['o-a']);
    alice.disconnect();
    bob.disconnect();
    bobOnA.disconnect();
  });

  it("joins a loop room only after the authorizer's yes, never B's loop from A", async () => {
    const alice = nodeA.connect({ token: await signToken({ sub: 'alice', tenantId: 'tenant-a' }) });
    const bob = nodeB.connect({ token: await signToken({ sub: 'bob', tenantId: 'tenant-b' }) });
    await Promise.all([connected(alice), connected(bob)]);
    expect(await alice.emitWithAck('subscribe:loop', 'loop-a1')).toEqual({ ok: true });
    expect(await bob.emitWithAck('subscribe:loop', 'loop-b1')).toEqual({ ok: true });
    // Alice guesses Bob's loop id: denied, with an error event, and not joined.
    const aliceError = nextEvent<{ message: string }>(alice, 'error');
    expect(await alice.emitWithAck('subscribe:loop', 'loop-b1')).toEqual({
      ok: false,
      message: 'Cannot subscribe to loop loop-b1',
    });
    expect(await aliceError).toEqual({ message: 'Cannot subscribe to loop loop-b1' });
    // An authorizer that throws denies; a malformed id never reaches it.
    expect(await alice.emitWithAck('subscribe:loop', 'loop-throws')).toMatchObject({ ok: false });
    expect(await alice.emitWithAck('subscribe:loop', { id: 'loop-a1' })).toMatchObject({ ok: false });
    expect(authorizeCalls.at(-1)).toMatchObject({ kind: 'loop', id: 'loop-throws' });
    expect(
      authorizeCalls.find((call) => call.id === 'loop-b1' && call.identity.tenantId === 'tenant-a'),
    ).toBeDefined();

    const rooms = nodeA.gateway.io.of('/').adapter.rooms;
    expect(rooms.has(resourceRoom('tenant-a', 'loop', 'loop-a1'))).toBe(true);
    expect([...rooms.keys()].filter((room) => room.includes('loop-b1'))).toEqual([]);
    expect([...(rooms.get(tenantRoom('tenant-a')) ?? [])]).toContain(alice.id);
    expect([...(rooms.get(tenantRoom('tenant-b')) ?? [])]).not.toContain(alice.id);

    // A loop event goes to the loop's room of its own tenant only.
    const seenByAlice = record(alice);
    const bobLoop = envelope('tenant-b', next('tenant-b'), 'loop.parameters_changed', { loopId: 'loop-b1' });
    const aliceLoop = envelope('tenant-a', next('tenant-a'), 'loop.parameters_changed', {
      loopId: 'loop-a1',
    });
    const bobGets = nextEvent(bob, 'loop.parameters_changed');
    const aliceGets = nextEvent(alice, 'loop.parameters_changed');
    await relay.deliver([bobLoop, aliceLoop]);
    expect(await bobGets).toEqual(bobLoop);
    expect(await aliceGets).toEqual(aliceLoop);

    // Unsubscribed: the next loop event does not come.
    expect(await alice.emitWithAck('unsubscribe:loop', 'loop-a1')).toEqual({ ok: true });
    await relay.deliver([
      envelope('tenant-a', next('tenant-a'), 'loop.parameters_changed', { loopId: 'loop-a1' }),
    ]);
    alice.emit('ping');
    await nextEvent(alice, 'pong');
    await delay(100);
    expect(seenByAlice.filter((seen) => seen.event === 'loop.parameters_changed')).toHaveLength(1);
    alice.disconnect();
    bob.disconnect();
  });

  it("sends a user-routed event to that user's sockets only", async () => {
    const alice = nodeA.connect({ token: await signToken({ sub: 'alice', tenantId: 'tenant-a' }) });
    const carol = nodeB.connect({ token: await signToken({ sub: 'carol', tenantId: 'tenant-a' }) });
    // Same user id in another tenant: a different user, who must not get it.
    const otherAlice = nodeB.connect({ token: await signToken({ sub: 'alice', tenantId: 'tenant-b' }) });
    await Promise.all([connected(alice), connected(carol), connected(otherAlice)]);
    const seenByCarol = record(carol);
    const seenByOther = record(otherAlice);
    const note = envelope('tenant-a', next('tenant-a'), 'notification.created', {
      userId: 'alice',
      title: 'hi',
    });
    const aliceGets = nextEvent(alice, 'notification.created');
    await relay.deliver([note]);
    expect(await aliceGets).toEqual(note);
    carol.emit('ping');
    await nextEvent(carol, 'pong');
    await delay(100);
    expect(seenByCarol.map((seen) => seen.event)).toEqual(['pong']);
    expect(seenByOther).toEqual([]);
    alice.disconnect();
    carol.disconnect();
    otherAlice.disconnect();
  });

  it('releases a tenant subscription when its last socket on the node leaves', async () => {
    await waitFor(() => nodeA.gateway.stats().sockets === 0 && nodeB.gateway.stats().sockets === 0);
    await waitFor(
      () => nodeA.gateway.stats().subscriptions === 0 && nodeB.gateway.stats().subscriptions === 0,
    );
    expect(nodeA.gateway.stats()).toEqual({ sockets: 0, tenants: 0, subscriptions: 0, rooms: 0 });
  });
});

/** A message published straight to a channel, as a misbehaving publisher would. */
async function publishRaw(channel: string, message: unknown): Promise<void> {
  const client = new Redis(REDIS_URL);
  try {
    await client.publish(channel, JSON.stringify(message));
  } finally {
    client.disconnect();
  }
}

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(10);
  }
}
