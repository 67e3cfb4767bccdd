/**
 * One connected socket, from `connection` to `disconnect`: it is counted against its tenant's cap,
 * joins its user room, holds its tenant's fan-out subscription, catches up from the history when
 * it came with `lastSequence`, then joins the tenant room and gets `connected`
 * { tenantId, userId, timestamp }. It answers `ping` with `pong` { timestamp }, `auth:refresh`,
 * and `subscribe:<kind>` / `unsubscribe:<kind>`.
 *
 * Invariant (no leak): everything a session takes it gives back on `disconnect` — its count, its
 * hold on the subscription (also when it disconnects while still subscribing), its expiry timer.
 * Its handlers live on the socket and go with it; Socket.IO removes it from its rooms.
 */
import type { Socket } from 'socket.io';
import type { TokenIdentity, TokenVerifier } from '../auth/jwt-verifier.ts';
import type { EventEnvelope } from '../events/event-envelope.ts';
import type { EventHistory } from '../events/event-fanout.ts';
import type { Logger } from '../log/logger.ts';
import { safeError } from '../log/safe-error.ts';
import { limitClientEvents } from './client-event-limits.ts';
import { resumeFromHistory } from './event-resume.ts';
import type { RealtimeAudience, ResolvedLimits, RoomRequest } from './gateway-options.ts';
import type { GatewaySocketData } from './handshake-auth.ts';
import { serveResourceRooms } from './resource-rooms.ts';
import { tenantRoom, userRoom } from './room-names.ts';
import type { TenantConnections } from './tenant-connections.ts';
import type { TenantSubscriptions } from './tenant-subscriptions.ts';
import { enforceTokenLifetime } from './token-lifetime.ts';

export interface SessionSettings {
  subscriptions: TenantSubscriptions;
  connections: TenantConnections;
  limits: ResolvedLimits;
  history: EventHistory | undefined;
  verifier: TokenVerifier;
  resourceKinds: readonly string[];
  authorize: ((request: RoomRequest) => boolean | Promise<boolean>) | undefined;
  /** The event's audience; null when it cannot be known (the route threw): nobody gets it. */
  route: (event: EventEnvelope) => RealtimeAudience | null;
  log: Logger;
}

export const LIVE_UNAVAILABLE = 'Live events are unavailable; reconnect later';

export function openSession(socket: Socket, settings: SessionSettings): void {
  const data = socket.data as GatewaySocketData;
  let identity: TokenIdentity = data.identity;
  const { tenantId, userId } = identity;
  const log = settings.log;
  let closed = false;
  let holding = false;

  const count = settings.connections.add(tenantId);
  const lifetime = enforceTokenLifetime(socket, {
    identity,
    verifier: settings.verifier,
    log,
    onRefresh(fresh) {
      identity = fresh;
      data.identity = fresh;
    },
  });
  socket.on('disconnect', () => {
    closed = true;
    lifetime.stop();
    settings.connections.remove(tenantId);
    if (holding) settings.subscriptions.release(tenantId);
  });
  if (count > settings.limits.connectionsPerTenant) {
    // Two handshakes passed the cap check at once; the later one goes.
    socket.emit('error', { message: 'Too many connections for this tenant' });
    socket.disconnect(true);
    return;
  }

  limitClientEvents(socket, settings.limits);
  socket.on('ping', () => socket.emit('pong', { timestamp: new Date().toISOString() }));
  serveResourceRooms(socket, {
    identity: () => identity,
    kinds: settings.resourceKinds,
    authorize: settings.authorize,
    log,
  });
  void socket.join(userRoom(tenantId, userId));

  const goLive = (): void => {
    void socket.join(tenantRoom(tenantId));
  };
  const announce = (): void => {
    if (!closed) socket.emit('connected', { tenantId, userId, timestamp: new Date().toISOString() });
  };

  settings.subscriptions.acquire(tenantId).then(
    (stream) => {
      if (closed) {
        settings.subscriptions.release(tenantId);
        return;
      }
      holding = true;
      if (data.lastSequence === null) {
        goLive();
        announce();
        return;
      }
      resumeFromHistory({
        stream,
        history: settings.history,
        lastSequence: data.lastSequence,
        window: settings.limits.resumeWindow,
        route: settings.route,
        target: {
          identity,
          emit: (event) => socket.emit(event.type, event),
          reset: (lastSequence) => socket.emit('reset', { reason: 'history incomplete', lastSequence }),
          goLive,
          connected: () => !closed,
        },
      }).then(announce, (error: unknown) => {
        log.warn({ err: safeError(error), tenantId }, 'realtime: resume failed; the client must refetch');
        if (!closed) socket.emit('reset', { reason: 'history unavailable', lastSequence: data.lastSequence });
        announce();
      });
    },
    (error: unknown) => {
      log.error({ err: safeError(error), tenantId }, 'realtime: subscribing to the tenant fan-out failed');
      if (closed) return;
      socket.emit('error', { message: LIVE_UNAVAILABLE });
      socket.disconnect(true);
    },
  );
}
