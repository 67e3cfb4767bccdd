/** What the realtime bench's runner and its gateway processes share. */

export type RealtimeContender = 'conveyor' | 'socketio-redis-adapter';

export const REALTIME_CONTENDERS: readonly RealtimeContender[] = ['conveyor', 'socketio-redis-adapter'];

/** HS256 secret of the bench's tokens (a bench, not a secret). */
export const BENCH_SECRET = 'conveyor-bench-secret-of-at-least-32-bytes';

export interface RealtimeSizes {
  /** Clients of the latency workload, spread over both nodes. */
  latencyClients: number;
  /** Tenants they belong to (clients / tenants sockets per tenant). */
  latencyTenants: number;
  /** Events per second published, each to one tenant, round-robin. */
  latencyRate: number;
  latencySeconds: number;
  latencyWarmupSeconds: number;
  /** Sockets of the one tenant in the fan-out workload. */
  fanoutSockets: number;
  /** Events sent one after another to all of them; the value is the median. */
  fanoutRounds: number;
}

export const REALTIME_SIZES: Record<'quick' | 'full', RealtimeSizes> = {
  quick: {
    latencyClients: 1_000,
    latencyTenants: 100,
    latencyRate: 1_000,
    latencySeconds: 5,
    latencyWarmupSeconds: 1,
    fanoutSockets: 10_000,
    fanoutRounds: 5,
  },
  full: {
    latencyClients: 1_000,
    latencyTenants: 100,
    latencyRate: 1_000,
    latencySeconds: 20,
    latencyWarmupSeconds: 3,
    fanoutSockets: 10_000,
    fanoutRounds: 15,
  },
};

/**
 * ioredis as the repository resolves it (the one dist/ uses), not the bench folder's own: both
 * contenders then talk to Redis through the same client version.
 */
export async function repoIoredis(): Promise<typeof import('ioredis')> {
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  const path = createRequire(new URL('../../../package.json', import.meta.url)).resolve('ioredis');
  return (await import(pathToFileURL(path).href)) as typeof import('ioredis');
}
