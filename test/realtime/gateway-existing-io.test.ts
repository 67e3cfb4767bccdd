/**
 * The gateway on an application's own Socket.IO server (`io`): it authenticates and serves
 * sockets there, keeps the application's socket.data, and close() disconnects its sockets and
 * refuses new handshakes while leaving the application's server open.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createRealtimeGateway } from '../../src/realtime/index.ts';
import { testLogger } from '../support/silent-logger.ts';
import { envelope } from './support/envelopes.ts';
import { connected, nextEvent, refusal } from './support/gateway-node.ts';
import { openFanout, uniquePrefix } from './support/redis-fanout.ts';
import { AUDIENCE, ISSUER, SECRET, signToken } from './support/tokens.ts';

describe('realtime gateway: on an existing Socket.IO server', () => {
  const prefix = uniquePrefix();
  const fanout = openFanout(prefix);
  const relay = openFanout(prefix);
  const server = createServer();
  const io = new Server(server);
  afterAll(async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await fanout.close();
    await relay.close();
  });

  it('serves sockets on it and leaves it open when closed', async () => {
    // The application's own middleware runs first and keeps its data.
    io.use((socket, next) => {
      socket.data.appTag = 'kept';
      next();
    });
    const gateway = await createRealtimeGateway({
      io,
      fanout: fanout.fanout,
      auth: { secret: SECRET, audience: AUDIENCE, issuer: ISSUER },
      logger: testLogger,
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = await signToken({ sub: 'u1', tenantId: 'own-io' });
    const open = (auth: Record<string, unknown>) =>
      connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, auth });

    const client = open({ token });
    await connected(client);
    const [serverSocket] = await io.fetchSockets();
    expect(serverSocket?.data).toMatchObject({
      appTag: 'kept',
      identity: { tenantId: 'own-io', userId: 'u1' },
    });
    const event = envelope('own-io', 1, 'order.created', { orderId: 'o1' });
    const arrives = nextEvent(client, 'order.created');
    await relay.deliver([event]);
    expect(await arrives).toEqual(event);

    const gone = nextEvent(client, 'disconnect');
    await gateway.close();
    expect(await gone).toBe('io server disconnect');
    expect(gateway.stats()).toMatchObject({ sockets: 0, subscriptions: 0 });
    expect(await refusal(open({ token }))).toBe('Gateway is shutting down');
    // The application's server still answers HTTP.
    const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`);
    expect(response.status).toBe(200);
  });
});
