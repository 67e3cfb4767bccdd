/**
 * ioredis is an optional peer dependency: only a process configured with Redis loads it, and one
 * without it gets an error that names the setting and the install command.
 */
import type { Redis } from 'ioredis';
import { ConveyorError } from './errors.ts';

/** `field` names the setting that asked for Redis, e.g. `redisUrl` or `events.redis`. */
export async function loadIoredis(field: string, purpose: string): Promise<typeof Redis> {
  try {
    return (await import('ioredis')).Redis;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConveyorError(
      'DEPENDENCY_MISSING',
      `${field}: ${purpose} needs the ioredis package, an optional peer dependency; ` +
        `install it (npm install ioredis) or remove ${field}`,
    );
  }
}
