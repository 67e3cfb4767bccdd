/**
 * One gateway node of the realtime bench, in a process of its own (two of them per contender):
 *   node --experimental-strip-types gateway-node.ts <contender> <prefix>
 * prints {"port": N} once it listens, and exits when its stdin closes.
 *
 * - conveyor: createRealtimeGateway (dist/realtime) with a RedisEventFanout on `prefix`, HS256
 *   tokens; each tenant's events reach its sockets through the node's per-tenant subscription.
 * - socketio-redis-adapter: a plain Socket.IO server with @socket.io/redis-adapter (key `prefix`);
 *   a socket joins `tenant:{handshake.auth.tenantId}` on connection, no authentication; events
 *   arrive as the adapter's own Redis PUBLISH from the publisher's Socket.IO instance.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BENCH_SECRET, type RealtimeContender, repoIoredis } from './realtime-shared.ts';

const DIST = new URL('../../../dist/', import.meta.url);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const [contender, prefix] = process.argv.slice(2) as [RealtimeContender, string];
const server = createServer();
let close: () => Promise<void>;

if (contender === 'conveyor') {
  const { createRealtimeGateway } = await import(new URL('realtime/index.js', DIST).href);
  const { RedisEventFanout } = await import(new URL('index.js', DIST).href);
  const { pino } = await import('pino');
  const fanout = new RedisEventFanout({ redis: REDIS_URL, prefix });
  const gateway = await createRealtimeGateway({
    server,
    fanout,
    auth: { secret: BENCH_SECRET },
    limits: { connectionsPerTenant: 100_000 },
    logger: pino({ level: 'warn' }),
  });
  close = async () => {
    await gateway.close();
    await fanout.close();
  };
} else {
  const { Server } = await import('socket.io');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const { Redis } = await repoIoredis();
  const pub = new Redis(REDIS_URL);
  const sub = pub.duplicate();
  const io = new Server(server, { adapter: createAdapter(pub, sub, { key: prefix }) });
  io.on('connection', (socket) => {
    void socket.join(`tenant:${String(socket.handshake.auth.tenantId)}`);
    socket.emit('connected', {});
  });
  close = async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    pub.disconnect();
    sub.disconnect();
  };
}

server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void close().finally(() => process.exit(0));
});
