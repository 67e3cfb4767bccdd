/**
 * How each contender's events are published, as a service would publish them:
 * - conveyor: RedisEventFanout.deliver([envelope]) — what the outbox relay does after commit
 *   (one PUBLISH to the tenant's channel and one to the global channel);
 * - socketio-redis-adapter: a Socket.IO instance with the Redis adapter and no HTTP server, doing
 *   io.to(`tenant:{id}`).emit(type, envelope) — the adapter's raw Redis PUBLISH, which every node
 *   receives and emits to its local sockets in that room.
 */
import { randomUUID } from 'node:crypto';
import { type RealtimeContender, repoIoredis } from './realtime-shared.ts';

const DIST = new URL('../../../dist/', import.meta.url);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Publisher {
  publish(tenantId: string, payload: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function openPublisher(contender: RealtimeContender, prefix: string): Promise<Publisher> {
  const sequences = new Map<string, number>();
  const envelope = (tenantId: string, payload: Record<string, unknown>) => {
    const sequence = (sequences.get(tenantId) ?? 0) + 1;
    sequences.set(tenantId, sequence);
    return {
      id: randomUUID(),
      type: 'card.transition',
      schemaVersion: 1,
      source: 'bench',
      tenantId,
      sequence,
      correlationId: null,
      causationId: null,
      occurredAt: new Date().toISOString(),
      payload,
    };
  };
  if (contender === 'conveyor') {
    const { RedisEventFanout } = await import(new URL('index.js', DIST).href);
    const fanout = new RedisEventFanout({ redis: REDIS_URL, prefix });
    return {
      publish: (tenantId, payload) => fanout.deliver([envelope(tenantId, payload)]),
      close: () => fanout.close(),
    };
  }
  const { Server } = await import('socket.io');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const { Redis } = await repoIoredis();
  const pub = new Redis(REDIS_URL);
  const sub = pub.duplicate();
  const io = new Server({ adapter: createAdapter(pub, sub, { key: prefix }) });
  return {
    async publish(tenantId, payload) {
      io.to(`tenant:${tenantId}`).emit('card.transition', envelope(tenantId, payload));
    },
    async close() {
      // Not attached to an HTTP server: there is no engine to close, only the adapter's clients.
      pub.disconnect();
      sub.disconnect();
    },
  };
}
