/**
 * Checks that Redis answers PING, for the health report. ioredis (an optional peer dependency) is
 * loaded only when a `redisUrl` is configured. One client is kept and reconnects in the background;
 * a check never waits longer than `timeoutMs`, and commands fail at once (no offline queue) while
 * Redis is unreachable.
 */
import type { Redis } from 'ioredis';
import { loadIoredis } from '../core/load-ioredis.ts';

export type RedisStatus = 'connected' | 'unreachable' | 'not_configured';

export class RedisProbe {
  readonly #url: string | null;
  readonly #timeoutMs: number;
  #client: Promise<Redis> | null = null;
  #closed = false;

  constructor(url: string | null, timeoutMs = 1_000) {
    this.#url = url;
    this.#timeoutMs = timeoutMs;
  }

  async check(): Promise<{ status: RedisStatus; error?: string }> {
    if (!this.#url) return { status: 'not_configured' };
    if (this.#closed) return { status: 'unreachable', error: 'closed' };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${this.#timeoutMs} ms`)),
          this.#timeoutMs,
        );
      });
      await Promise.race([this.#ping(), timeout]);
      return { status: 'connected' };
    } catch (error) {
      return { status: 'unreachable', error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async #ping(): Promise<void> {
    const client = await this.#connect();
    if (client.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const ready = (): void => {
          client.off('error', failed);
          resolve();
        };
        const failed = (error: Error): void => {
          client.off('ready', ready);
          reject(error);
        };
        client.once('ready', ready);
        client.once('error', failed);
      });
    }
    await client.ping();
  }

  #connect(): Promise<Redis> {
    this.#client ??= loadIoredis('redisUrl', 'the Redis health check').then((RedisClient) => {
      const client = new RedisClient(this.#url!, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: this.#timeoutMs,
        retryStrategy: (times) => Math.min(times * 250, 5_000),
      });
      // Errors surface through check(); without a listener ioredis would report them as unhandled.
      client.on('error', () => {});
      client.connect().catch(() => {});
      return client;
    });
    return this.#client;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = await this.#client?.catch(() => null);
    client?.disconnect();
  }
}
