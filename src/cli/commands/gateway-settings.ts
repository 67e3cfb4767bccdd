/**
 * What `conveyor gateway` runs with: the config's `realtime` section, filled from the environment
 * (CONVEYOR_JWT_SECRET or CONVEYOR_JWKS_URL, CONVEYOR_JWT_ISSUER, CONVEYOR_JWT_AUDIENCE, REDIS_URL,
 * CONVEYOR_EVENTS_PREFIX, PORT) and the flags. No socket.io here: the settings are checked before
 * the gateway's packages load. The secret is carried, never printed.
 */
import type { ConveyorOptions } from '../../client/conveyor-options.ts';
import type { RealtimeConfig } from '../../realtime/realtime-config.ts';
import { UsageError } from '../cli-error.ts';

export interface GatewaySettings {
  port: number;
  host: string;
  redisUrl: string;
  prefix: string;
  config: RealtimeConfig;
  auth: NonNullable<RealtimeConfig['auth']>;
}

function list(value: string | undefined): string | string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length === 1 ? items[0] : items;
}

export function gatewaySettings(
  options: ConveyorOptions,
  env: NodeJS.ProcessEnv,
  flags: { port?: number | undefined; host?: string | undefined },
): GatewaySettings {
  const config = options.realtime ?? {};
  const portFromEnv = env.PORT !== undefined && /^\d+$/.test(env.PORT) ? Number(env.PORT) : undefined;
  const port = flags.port ?? config.port ?? portFromEnv ?? 3001;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a port number 0-65535 (0 for any free port), got ${port}`);
  }
  const redisUrl = config.redisUrl ?? options.redisUrl ?? env.REDIS_URL;
  if (!redisUrl) {
    throw new UsageError(
      'conveyor gateway needs the Redis the relay publishes to: set REDIS_URL, or realtime.redisUrl in the config',
    );
  }
  const fromFile = config.auth ?? {};
  const keyGiven = fromFile.secret ?? fromFile.publicKey ?? fromFile.jwksUrl;
  const auth: GatewaySettings['auth'] = { ...fromFile };
  if (keyGiven === undefined) {
    if (env.CONVEYOR_JWT_SECRET) auth.secret = env.CONVEYOR_JWT_SECRET;
    else if (env.CONVEYOR_JWKS_URL) auth.jwksUrl = env.CONVEYOR_JWKS_URL;
    else {
      throw new UsageError(
        'conveyor gateway needs a token key: set CONVEYOR_JWT_SECRET (HS256) or CONVEYOR_JWKS_URL, or realtime.auth in the config',
      );
    }
  }
  const issuer = list(env.CONVEYOR_JWT_ISSUER);
  const audience = list(env.CONVEYOR_JWT_AUDIENCE);
  if (auth.issuer === undefined && issuer !== undefined) auth.issuer = issuer;
  if (auth.audience === undefined && audience !== undefined) auth.audience = audience;
  return {
    port,
    host: flags.host ?? config.host ?? '0.0.0.0',
    redisUrl,
    prefix: config.prefix ?? env.CONVEYOR_EVENTS_PREFIX ?? 'conveyor',
    config,
    auth,
  };
}

/** Where Redis is, for logs: host and port only (never a password). */
export function describeRedis(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparsable Redis URL)';
  }
}
