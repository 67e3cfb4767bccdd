/**
 * What `createRealtimeGateway` takes, and the checked, defaulted form the gateway runs on. Every
 * check happens here, before anything listens: a bad option is a ValidationError naming the field
 * and the fix.
 */
import type { Server as HttpServer } from 'node:http';
import type { RedisOptions } from 'ioredis';
import type { Server } from 'socket.io';
import type { JwtVerifierOptions, TokenIdentity, TokenVerifier } from '../auth/jwt-verifier.ts';
import { ValidationError } from '../core/errors.ts';
import type { EventEnvelope } from '../events/event-envelope.ts';
import type { EventFanout, EventHistory } from '../events/event-fanout.ts';
import type { Logger } from '../log/logger.ts';
import type { RealtimeLimitsConfig } from './realtime-config.ts';

/** A request to join a resource room, e.g. `{ kind: 'loop', id: '…' }`, from a verified socket. */
export interface RoomRequest {
  kind: string;
  id: string;
  identity: TokenIdentity;
}

/**
 * Who receives a bus event among the sockets of its tenant: the whole tenant (default), or only
 * some users' sockets and the sockets that joined some resource rooms.
 */
export type RealtimeAudience =
  | 'tenant'
  | { userIds?: readonly string[]; resources?: ReadonlyArray<{ kind: string; id: string }> };

/** Limits on clients (per socket) and on tenants (per node). */
export type RealtimeLimits = RealtimeLimitsConfig;

export interface RealtimeGatewayOptions {
  /** The Node HTTP server to attach to (the gateway creates its Socket.IO server on it)… */
  server?: HttpServer;
  /** …or an existing Socket.IO server (its path, CORS and adapter are the application's). */
  io?: Server;
  /** Where the tenant's committed events arrive live (RedisEventFanout across nodes). */
  fanout: EventFanout;
  /** The outbox read back, for clients that resume with `lastSequence`; without it they get `reset`. */
  history?: EventHistory;
  /** How handshake tokens are checked: jose options (secret, publicKey or jwksUrl), or a verifier. */
  auth: JwtVerifierOptions | TokenVerifier;
  /**
   * Confirms that a resource belongs to the socket's tenant before the socket joins its room
   * (`subscribe:loop` → `{ kind: 'loop', id, identity }`). Anything but `true` (false, a throw, a
   * rejection) denies. Without it every resource room request is denied.
   */
  authorize?: (request: RoomRequest) => boolean | Promise<boolean>;
  /** Resource kinds clients may subscribe to (`subscribe:<kind>` / `unsubscribe:<kind>`; default ['loop']). */
  resourceKinds?: readonly string[];
  /** Which of the tenant's sockets get an event (default: all of them). */
  route?: (event: EventEnvelope) => RealtimeAudience;
  limits?: RealtimeLimits;
  /** CORS of the Socket.IO server the gateway creates (default: no cross-origin access). */
  cors?: { origin: string | string[] | boolean; credentials?: boolean };
  /** Socket.IO path (default `/socket.io`). */
  path?: string;
  /**
   * Also install the Socket.IO Redis adapter, so that `gateway.io.to(room).emit()` from the
   * application reaches sockets on every node (bus events never go through it; docs/realtime.md).
   */
  adapter?: {
    redis: string | RedisOptions /** Channel prefix of the adapter (default `socket.io`). */;
    key?: string;
  };
  logger?: Logger;
}

export interface ResolvedLimits {
  eventsPerSecond: number;
  burst: number;
  maxEventBytes: number;
  connectionsPerTenant: number;
  resumeWindow: number;
}

const DEFAULT_LIMITS: ResolvedLimits = {
  eventsPerSecond: 20,
  burst: 40,
  maxEventBytes: 4_096,
  connectionsPerTenant: 10_000,
  resumeWindow: 1_000,
};

const KIND = /^[a-z][a-z0-9_-]{0,31}$/;

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(field, `must be a number > 0, got ${String(value)}`);
  }
  return value;
}

export function resolveLimits(limits: RealtimeLimits | undefined): ResolvedLimits {
  const eventsPerSecond = positive(
    limits?.eventsPerSecond,
    DEFAULT_LIMITS.eventsPerSecond,
    'limits.eventsPerSecond',
  );
  return {
    eventsPerSecond,
    burst: positive(limits?.burst, Math.max(DEFAULT_LIMITS.burst, eventsPerSecond), 'limits.burst'),
    maxEventBytes: Math.floor(
      positive(limits?.maxEventBytes, DEFAULT_LIMITS.maxEventBytes, 'limits.maxEventBytes'),
    ),
    connectionsPerTenant: Math.floor(
      positive(
        limits?.connectionsPerTenant,
        DEFAULT_LIMITS.connectionsPerTenant,
        'limits.connectionsPerTenant',
      ),
    ),
    resumeWindow: Math.floor(
      positive(limits?.resumeWindow, DEFAULT_LIMITS.resumeWindow, 'limits.resumeWindow'),
    ),
  };
}

export function resolveResourceKinds(kinds: readonly string[] | undefined): string[] {
  const resolved = [...(kinds ?? ['loop'])];
  for (const kind of resolved) {
    if (typeof kind !== 'string' || !KIND.test(kind) || kind === 'tenant' || kind === 'user') {
      throw new ValidationError(
        'resourceKinds',
        `${JSON.stringify(kind)} is not a resource kind: use lowercase letters, digits, - or _ (not tenant or user), e.g. "loop"`,
      );
    }
  }
  return resolved;
}

/** Checks the options that need no I/O; throws the first problem found. */
export function checkGatewayOptions(options: RealtimeGatewayOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'pass { server | io, fanout, auth, … }');
  }
  if ((options.server === undefined) === (options.io === undefined)) {
    throw new ValidationError(
      'server',
      'pass exactly one of server (a Node HTTP server) or io (a Socket.IO server)',
    );
  }
  if (typeof options.fanout?.subscribe !== 'function') {
    throw new ValidationError(
      'fanout',
      'must be an EventFanout (e.g. new RedisEventFanout({ redis, prefix }))',
    );
  }
  if (options.history !== undefined && typeof options.history.since !== 'function') {
    throw new ValidationError('history', 'must be an EventHistory (an object with since())');
  }
  if (typeof options.auth !== 'object' || options.auth === null) {
    throw new ValidationError('auth', 'pass { secret } (HS256), { publicKey, algorithms } or { jwksUrl }');
  }
  if (options.authorize !== undefined && typeof options.authorize !== 'function') {
    throw new ValidationError('authorize', 'must be a function ({ kind, id, identity }) => boolean');
  }
  if (options.route !== undefined && typeof options.route !== 'function') {
    throw new ValidationError('route', "must be a function (event) => 'tenant' | { userIds, resources }");
  }
  if (options.io !== undefined && (options.cors !== undefined || options.path !== undefined)) {
    throw new ValidationError(
      'cors',
      'with an existing io, set CORS and path on that Socket.IO server instead',
    );
  }
}
