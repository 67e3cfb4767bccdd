/**
 * The realtime gateway: Socket.IO v4 on any Node HTTP server (or an existing Socket.IO server),
 * delivering each tenant's committed bus events to that tenant's sockets.
 *
 * Across nodes, events come from the EventFanout (Redis pub/sub channel per tenant): each node
 * subscribes to a tenant only while it holds a socket of it and emits locally (`io.local`), never
 * through the Socket.IO adapter, so an event reaches each socket once whether or not the Redis
 * adapter is installed. The optional Redis adapter is for the application's own broadcasts
 * (`gateway.io.to(room).emit()` from any node); bus events do not need it, and it would lose them
 * while a node is cut off from Redis (socket.io-redis-adapter #393), where the per-tenant stream
 * fills gaps from the history instead (tenant-stream.ts). Measured in bench/ (docs/realtime.md).
 *
 * Invariant: tenancy is decided by the verified token alone (handshake-auth.ts) and rooms are named
 * inside their tenant (room-names.ts); nothing a client sends chooses a tenant.
 */
import { Server } from 'socket.io';
import { tokenVerifier } from '../auth/jwt-verifier.ts';
import type { EventEnvelope } from '../events/event-envelope.ts';
import { createLogger } from '../log/logger.ts';
import { safeError } from '../log/safe-error.ts';
import {
  checkGatewayOptions,
  type RealtimeAudience,
  type RealtimeGatewayOptions,
  resolveLimits,
  resolveResourceKinds,
} from './gateway-options.ts';
import { handshakeAuth } from './handshake-auth.ts';
import { installRedisAdapter } from './redis-adapter.ts';
import { audienceRooms, tenantRoom } from './room-names.ts';
import { openSession } from './socket-session.ts';
import { TenantConnections } from './tenant-connections.ts';
import { TenantSubscriptions } from './tenant-subscriptions.ts';

export interface RealtimeGatewayStats {
  /** Sockets connected to this node. */
  sockets: number;
  /** Tenants with at least one socket on this node. */
  tenants: number;
  /** Tenant fan-out subscriptions this node holds. */
  subscriptions: number;
  /** Socket.IO rooms on this node (each socket's own room included). */
  rooms: number;
}

export interface RealtimeGateway {
  /** The Socket.IO server (the one given, or the one created on `server`). */
  readonly io: Server;
  stats(): RealtimeGatewayStats;
  /**
   * Disconnects every socket and releases every subscription. A Socket.IO server the gateway
   * created is closed with its HTTP server (as `io.close()` does); one given as `io` is left open.
   * The fanout and history are the caller's to close.
   */
  close(): Promise<void>;
}

/** Names Socket.IO reserves or the gateway uses for its own messages: a bus event cannot use them. */
const UNUSABLE_NAMES = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
  'connected',
  'pong',
  'error',
  'reset',
]);

/**
 * Attaches the gateway. Resolves once it accepts connections.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { createRealtimeGateway } from 'conveyor-jobs/realtime';
 *
 * const server = createServer();
 * const gateway = await createRealtimeGateway({
 *   server,
 *   fanout, // new RedisEventFanout({ redis: process.env.REDIS_URL, prefix: 'arda' })
 *   history, // the outbox, for clients resuming with lastSequence
 *   auth: { secret: process.env.JWT_SECRET, audience: 'arda-web' },
 *   authorize: ({ kind, id, identity }) => loops.belongsTo(id, identity.tenantId),
 *   cors: { origin: process.env.APP_URL, credentials: true },
 * });
 * server.listen(3001);
 */
export async function createRealtimeGateway(options: RealtimeGatewayOptions): Promise<RealtimeGateway> {
  checkGatewayOptions(options);
  const limits = resolveLimits(options.limits);
  const resourceKinds = resolveResourceKinds(options.resourceKinds);
  const verifier = tokenVerifier(options.auth);
  const log = (options.logger ?? createLogger()).child({ component: 'realtime' });
  const owned = options.io === undefined;
  const io =
    options.io ??
    new Server(options.server, {
      path: options.path ?? '/socket.io',
      ...(options.cors
        ? { cors: { origin: options.cors.origin, credentials: options.cors.credentials ?? false } }
        : {}),
      maxHttpBufferSize: Math.max(65_536, limits.maxEventBytes + 1_024),
    });
  const adapter = options.adapter
    ? await installRedisAdapter(io, options.adapter.redis, options.adapter.key)
    : null;

  const warnedTypes = new Set<string>();
  const route = (event: EventEnvelope): RealtimeAudience | null => {
    if (UNUSABLE_NAMES.has(event.type)) {
      if (!warnedTypes.has(event.type)) {
        warnedTypes.add(event.type);
        log.warn(
          { type: event.type },
          'realtime: an event type Socket.IO reserves cannot be emitted; rename it',
        );
      }
      return null;
    }
    if (!options.route) return 'tenant';
    try {
      const audience = options.route(event);
      if (audience === 'tenant' || (typeof audience === 'object' && audience !== null)) return audience;
      log.warn({ type: event.type }, "realtime: route returned neither 'tenant' nor { userIds, resources }");
    } catch (error) {
      log.warn({ err: safeError(error), type: event.type }, 'realtime: route threw; event not sent');
    }
    return null;
  };

  const connections = new TenantConnections();
  const subscriptions = new TenantSubscriptions(options.fanout, {
    history: options.history,
    window: limits.resumeWindow,
    log,
    output: {
      emit(event) {
        const audience = route(event);
        if (audience === null || event.tenantId === null) return;
        const rooms = audienceRooms(event.tenantId, audience);
        if (rooms.length > 0) io.local.to(rooms).emit(event.type, event);
      },
      reset(tenantId, lastSequence) {
        io.local.to(tenantRoom(tenantId)).emit('reset', { reason: 'events lost', lastSequence });
      },
    },
  });

  let closing: Promise<void> | null = null;
  io.use(
    handshakeAuth({
      verifier,
      connectionsOf: (tenantId) => connections.count(tenantId),
      connectionsPerTenant: limits.connectionsPerTenant,
      closing: () => closing !== null,
      log,
    }),
  );
  const onConnection = (socket: Parameters<typeof openSession>[0]): void => {
    try {
      openSession(socket, {
        subscriptions,
        connections,
        limits,
        history: options.history,
        verifier,
        resourceKinds,
        authorize: options.authorize,
        route,
        log,
      });
    } catch (error) {
      log.error({ err: safeError(error) }, 'realtime: opening a session failed');
      socket.disconnect(true);
    }
  };
  io.on('connection', onConnection);

  return {
    io,
    stats: () => ({
      sockets: io.of('/').sockets.size,
      tenants: connections.tenants,
      subscriptions: subscriptions.size,
      rooms: io.of('/').adapter.rooms.size,
    }),
    close() {
      closing ??= (async () => {
        io.off('connection', onConnection);
        if (owned) await new Promise<void>((resolve) => io.close(() => resolve()));
        else io.local.disconnectSockets(true);
        await subscriptions.settle();
        await adapter?.close();
      })();
      return closing;
    },
  };
}
