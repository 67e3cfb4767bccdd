/**
 * Limits on clients: a per-socket rate limit and size limit on client events (over them: dropped,
 * one `error` per second at most, the socket stays usable) and a per-tenant connection cap (over
 * it: `Too many connections for this tenant`, other tenants unaffected, a slot freed by a
 * disconnect can be taken again).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, type GatewayNode, nextEvent, refusal, startGatewayNode } from './support/gateway-node.ts';
import { uniquePrefix } from './support/redis-fanout.ts';
import { signToken } from './support/tokens.ts';

describe('realtime gateway: limits', () => {
  let node: GatewayNode;
  beforeAll(async () => {
    node = await startGatewayNode(uniquePrefix(), {
      limits: { eventsPerSecond: 5, burst: 5, maxEventBytes: 100, connectionsPerTenant: 2 },
    });
  });
  afterAll(() => node?.close());

  it('drops client events past the rate limit with one error, and serves again once refilled', async () => {
    const client = node.connect({ token: await signToken({ sub: 'u1', tenantId: 'limits-rate' }) });
    await connected(client);
    let pongs = 0;
    client.on('pong', () => {
      pongs += 1;
    });
    const errors: unknown[] = [];
    client.on('error', (error: unknown) => errors.push(error));
    const limited = nextEvent(client, 'error');
    for (let n = 0; n < 20; n += 1) client.emit('ping');
    expect(await limited).toEqual({ message: 'Rate limit exceeded: at most 5 events per second' });
    // Packets are handled in order: the five within the burst were answered before the error.
    expect(pongs).toBe(5);
    await delay(1_100);
    client.emit('ping');
    await nextEvent(client, 'pong');
    expect(pongs).toBe(6);
    expect(errors).toHaveLength(1);
    client.disconnect();
  });

  it('drops a client event over the size limit with an error naming the limit', async () => {
    const client = node.connect({ token: await signToken({ sub: 'u1', tenantId: 'limits-size' }) });
    await connected(client);
    const tooLarge = nextEvent(client, 'error');
    const answer = client.timeout(1_000).emitWithAck('subscribe:loop', 'x'.repeat(500));
    expect(await tooLarge).toEqual({ message: 'Event too large: 504 bytes, limit 100' });
    // The handler never ran: no acknowledgement.
    await expect(answer).rejects.toThrow();
    client.emit('ping');
    await nextEvent(client, 'pong');
    client.disconnect();
  });

  it('caps the connections of one tenant on a node, and only that tenant', async () => {
    const token = await signToken({ sub: 'u1', tenantId: 'limits-cap' });
    const first = node.connect({ token });
    const second = node.connect({ token });
    await Promise.all([connected(first), connected(second)]);
    expect(await refusal(node.connect({ token }))).toBe('Too many connections for this tenant');
    const otherTenant = node.connect({ token: await signToken({ sub: 'u1', tenantId: 'limits-other' }) });
    await connected(otherTenant);
    first.disconnect();
    // The slot comes back once the server saw the disconnect.
    const deadline = Date.now() + 5_000;
    let again = node.connect({ token });
    for (;;) {
      try {
        await connected(again);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await delay(20);
        again = node.connect({ token });
      }
    }
    for (const client of [second, otherTenant, again]) client.disconnect();
  });
});
