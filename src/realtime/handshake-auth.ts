/**
 * The Socket.IO handshake: the access token from `handshake.auth.token`, else from an
 * `Authorization: Bearer` header, verified before the socket connects. The client sees exactly the
 * seed's messages on `connect_error`: `Authentication required` (no token) and `Invalid token`
 * (anything wrong with it). The resume point (`handshake.auth.lastSequence`) is read here too, and
 * a tenant at its connection cap is refused before it costs anything.
 *
 * Invariant: a socket that reaches `connection` has `socket.data.identity` from a verified token.
 */
import type { Socket } from 'socket.io';
import { InvalidTokenError, type TokenIdentity, type TokenVerifier } from '../auth/jwt-verifier.ts';
import { bearerToken } from '../http/bearer-auth.ts';
import type { Logger } from '../log/logger.ts';
import { safeError } from '../log/safe-error.ts';

/** What the gateway keeps on `socket.data`. */
export interface GatewaySocketData {
  identity: TokenIdentity;
  /** The client's resume point; null for a fresh connection. */
  lastSequence: number | null;
}

export const AUTHENTICATION_REQUIRED = 'Authentication required';
export const INVALID_TOKEN = 'Invalid token';

/** An error whose message the client receives on `connect_error`, and nothing else. */
function refusal(message: string): Error {
  return new Error(message);
}

function tokenOf(socket: Socket): string {
  const auth = socket.handshake.auth as Record<string, unknown> | undefined;
  const token = auth?.token;
  if (typeof token === 'string' && token.length > 0) return token.replace(/^Bearer\s+/i, '');
  return bearerToken(socket.handshake.headers.authorization);
}

/** `lastSequence` from the handshake: a whole number ≥ 0, null when absent; undefined when malformed. */
export function parseLastSequence(value: unknown): number | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

export function handshakeAuth(settings: {
  verifier: TokenVerifier;
  connectionsOf: (tenantId: string) => number;
  connectionsPerTenant: number;
  /** True once the gateway is closing: handshakes are refused (an application's own io stays open). */
  closing: () => boolean;
  log: Logger;
}): (socket: Socket, next: (error?: Error) => void) => void {
  return (socket, next) => {
    if (settings.closing()) {
      next(refusal('Gateway is shutting down'));
      return;
    }
    const token = tokenOf(socket);
    if (token === '') {
      next(refusal(AUTHENTICATION_REQUIRED));
      return;
    }
    Promise.resolve()
      .then(() => settings.verifier.verify(token))
      .then(
        (identity) => {
          const lastSequence = parseLastSequence(
            (socket.handshake.auth as Record<string, unknown>)?.lastSequence,
          );
          if (lastSequence === undefined) {
            next(
              refusal('lastSequence must be a whole number ≥ 0 (the sequence of the last event received)'),
            );
            return;
          }
          if (settings.connectionsOf(identity.tenantId) >= settings.connectionsPerTenant) {
            settings.log.warn({ tenantId: identity.tenantId }, 'realtime: tenant connection cap reached');
            next(refusal('Too many connections for this tenant'));
            return;
          }
          const data: GatewaySocketData = { identity, lastSequence };
          // Added to, not replaced: with an application's own `io`, socket.data may hold its fields.
          Object.assign(socket.data as object, data);
          next();
        },
        (error: unknown) => {
          if (!(error instanceof InvalidTokenError)) {
            // A custom verifier that threw something else: still a refusal, never a crash.
            settings.log.warn({ err: safeError(error) }, 'realtime: token verifier failed');
          } else {
            settings.log.info({ reason: error.reason }, 'realtime: handshake refused');
          }
          next(refusal(INVALID_TOKEN));
        },
      );
  };
}
