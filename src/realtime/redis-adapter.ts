/**
 * The Socket.IO Redis adapter, when the application wants its own broadcasts
 * (`gateway.io.to(room).emit()`) to reach sockets on every node. Bus events never use it (they
 * come through the per-tenant fan-out and are emitted locally). ioredis and
 * @socket.io/redis-adapter are optional peers, loaded only when `adapter` is configured.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Server } from 'socket.io';
import { ConveyorError } from '../core/errors.ts';

async function load<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConveyorError(
      'DEPENDENCY_MISSING',
      `adapter: the Socket.IO Redis adapter needs ${name}, an optional peer dependency; install it (npm install ${name}) or remove adapter`,
    );
  }
}

export async function installRedisAdapter(
  io: Server,
  redis: string | RedisOptions,
): Promise<{ close(): Promise<void> }> {
  const { Redis: RedisClient } = await load('ioredis', () => import('ioredis'));
  const { createAdapter } = await load('@socket.io/redis-adapter', () => import('@socket.io/redis-adapter'));
  const open = (): Redis =>
    typeof redis === 'string' ? new RedisClient(redis, { lazyConnect: false }) : new RedisClient(redis);
  const pub = open();
  const sub = pub.duplicate();
  // ioredis reports connection errors as events; without a listener they would be unhandled.
  pub.on('error', () => {});
  sub.on('error', () => {});
  io.adapter(createAdapter(pub, sub));
  return {
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
