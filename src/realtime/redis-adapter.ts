/**
 * The Socket.IO Redis adapter, when the application wants its own broadcasts
 * (`gateway.io.to(room).emit()`) to reach sockets on every node. Bus events never use it (they
 * come through the per-tenant fan-out and are emitted locally). ioredis and
 * @socket.io/redis-adapter are optional peers, loaded only when `adapter` is configured.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Server } from 'socket.io';
import { ConveyorError } from '../core/errors.ts';
import { loadIoredis } from '../core/load-ioredis.ts';

async function loadAdapter(): Promise<typeof import('@socket.io/redis-adapter')> {
  try {
    return await import('@socket.io/redis-adapter');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConveyorError(
      'DEPENDENCY_MISSING',
      'adapter: the Socket.IO Redis adapter needs @socket.io/redis-adapter, an optional peer dependency; install it (npm install @socket.io/redis-adapter) or remove adapter',
    );
  }
}

export async function installRedisAdapter(
  io: Server,
  redis: string | RedisOptions,
  key: string | undefined,
): Promise<{ close(): Promise<void> }> {
  const RedisClient = await loadIoredis('adapter.redis', 'the Socket.IO Redis adapter');
  const { createAdapter } = await loadAdapter();
  const open = (): Redis => (typeof redis === 'string' ? new RedisClient(redis) : new RedisClient(redis));
  const pub = open();
  const sub = pub.duplicate();
  // ioredis reports connection errors as events; without a listener they would be unhandled.
  pub.on('error', () => {});
  sub.on('error', () => {});
  io.adapter(createAdapter(pub, sub, key === undefined ? {} : { key }));
  return {
    async close() {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
