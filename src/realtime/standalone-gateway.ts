/**
 * A gateway on its own HTTP server, as `conveyor gateway` runs it: Socket.IO at `/socket.io`,
 * `GET /health` answering { status, sockets, tenants, subscriptions } for load balancers, 404
 * elsewhere; the fan-out is a RedisEventFanout on the relay's prefix. close() stops accepting,
 * disconnects every socket and closes the fan-out.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventHistory } from '../events/event-fanout.ts';
import { RedisEventFanout } from '../events/fanout/redis-event-fanout.ts';
import type { Logger } from '../log/logger.ts';
import type { RealtimeConfig } from './realtime-config.ts';
import { createRealtimeGateway, type RealtimeGateway } from './realtime-gateway.ts';

export interface StandaloneGateway {
  port: number;
  gateway: RealtimeGateway;
  close(): Promise<void>;
}

export async function startStandaloneGateway(settings: {
  port: number;
  host: string;
  redisUrl: string;
  prefix: string;
  config: RealtimeConfig;
  auth: NonNullable<RealtimeConfig['auth']>;
  history?: EventHistory;
  log: Logger;
}): Promise<StandaloneGateway> {
  const { config } = settings;
  const server = createServer();
  const fanout = new RedisEventFanout({
    redis: settings.redisUrl,
    prefix: settings.prefix,
    log: settings.log,
  });
  let gateway: RealtimeGateway;
  try {
    gateway = await createRealtimeGateway({
      server,
      fanout,
      auth: settings.auth,
      logger: settings.log,
      ...(settings.history ? { history: settings.history } : {}),
      ...(config.authorize ? { authorize: config.authorize } : {}),
      ...(config.resourceKinds ? { resourceKinds: config.resourceKinds } : {}),
      ...(config.limits ? { limits: config.limits } : {}),
      ...(config.cors ? { cors: config.cors } : {}),
    });
  } catch (error) {
    await fanout.close();
    throw error;
  }
  // Socket.IO answers its own path; everything else comes here.
  server.on('request', (request, response) => {
    if (request.url?.startsWith('/socket.io')) return;
    if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok', ...gateway.stats() }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'not found; the gateway serves /socket.io and /health' }));
  });
  server.listen(settings.port, settings.host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => {
        throw error;
      }),
    ]);
  } catch (error) {
    await gateway.close();
    await fanout.close();
    throw error;
  }
  return {
    port: (server.address() as AddressInfo).port,
    gateway,
    async close() {
      await gateway.close();
      await fanout.close();
    },
  };
}
