/**
 * A gateway node for the tests: a Node HTTP server on a free loopback port with the gateway
 * attached, its own fan-out (its own Redis subscriber, as a separate process would have), and
 * clients made with the real socket.io-client. Everything opened is closed by `close()`.
 */
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Socket as ClientSocket, io as connectClient } from 'socket.io-client';
import type { EventHistory } from '../../../src/events/event-fanout.ts';
import {
  createRealtimeGateway,
  type RealtimeGateway,
  type RealtimeGatewayOptions,
} from '../../../src/realtime/index.ts';
import { testLogger } from '../../support/silent-logger.ts';
import { openFanout, type TestFanout } from './redis-fanout.ts';
import { AUDIENCE, ISSUER, SECRET } from './tokens.ts';

export interface GatewayNode {
  url: string;
  server: HttpServer;
  gateway: RealtimeGateway;
  fanout: TestFanout;
  /** A client of this node; `auth` is the handshake auth object. Closed with the node. */
  connect(auth: Record<string, unknown>, options?: { headers?: Record<string, string> }): ClientSocket;
  close(): Promise<void>;
}

export type NodeOptions = Partial<Omit<RealtimeGatewayOptions, 'server' | 'io' | 'fanout'>> & {
  history?: EventHistory;
  port?: number;
  /** The Redis of the node's fan-out (default the shared one). */
  redisUrl?: string;
};

export async function startGatewayNode(prefix: string, options: NodeOptions = {}): Promise<GatewayNode> {
  const server = createServer();
  const { port, redisUrl, ...rest } = options;
  const fanout = openFanout(prefix, redisUrl);
  const gateway = await createRealtimeGateway({
    server,
    fanout: fanout.fanout,
    auth: { secret: SECRET, audience: AUDIENCE, issuer: ISSUER },
    logger: testLogger,
    ...rest,
  });
  server.listen(port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = new Set<ClientSocket>();
  return {
    url,
    server,
    gateway,
    fanout,
    connect(auth, connectOptions = {}) {
      const client = connectClient(url, {
        auth,
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...(connectOptions.headers ? { extraHeaders: connectOptions.headers } : {}),
      });
      clients.add(client);
      return client;
    },
    async close() {
      for (const client of clients) client.disconnect();
      await gateway.close();
      await fanout.close();
    },
  };
}

/** Resolves with the next `event` on the client (its first argument), or rejects after `ms`. */
export function nextEvent<T = unknown>(client: ClientSocket, event: string, ms = 5_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, onEvent);
      reject(new Error(`no "${event}" within ${ms} ms`));
    }, ms);
    const onEvent = (value: T): void => {
      clearTimeout(timer);
      resolve(value);
    };
    client.once(event, onEvent);
  });
}

/** Resolves once the client is live (`connected` received); rejects with the connect_error's message. */
export function connected(
  client: ClientSocket,
  ms = 5_000,
): Promise<{ tenantId: string; userId: string; timestamp: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected within ${ms} ms`)), ms);
    client.once('connected', (payload: { tenantId: string; userId: string; timestamp: string }) => {
      clearTimeout(timer);
      resolve(payload);
    });
    client.once('connect_error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** The connect_error message a client gets (rejects if it connects instead). */
export function refusal(client: ClientSocket, ms = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`neither refused nor connected within ${ms} ms`)), ms);
    client.once('connect_error', (error: Error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    client.once('connect', () => {
      clearTimeout(timer);
      reject(new Error('connected, but a refusal was expected'));
    });
  });
}

/** Collects every event a client receives (name and first argument), in order. */
export function record(client: ClientSocket): Array<{ event: string; data: unknown }> {
  const seen: Array<{ event: string; data: unknown }> = [];
  client.onAny((event: string, data: unknown) => seen.push({ event, data }));
  return seen;
}
