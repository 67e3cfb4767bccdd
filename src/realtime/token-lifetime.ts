/**
 * JWTs are usually checked only at the handshake, so an expired token keeps a socket open for as
 * long as it lives. Here a socket is disconnected when its token expires (after `error`
 * { message: 'Token expired' }, the reason), unless the client sent `auth:refresh` with a fresh
 * valid token for the same user and tenant before then; that moves the deadline to the new
 * token's expiry. A refresh for another user or tenant is refused and changes nothing.
 *
 * Invariant: at most one timer per socket, cleared when the socket disconnects.
 */
import type { Socket } from 'socket.io';
import type { TokenIdentity, TokenVerifier } from '../auth/jwt-verifier.ts';
import type { Logger } from '../log/logger.ts';

/** setTimeout's longest delay; a later expiry is re-armed in steps. */
const MAX_DELAY_MS = 2_147_483_647;

export const TOKEN_EXPIRED = 'Token expired';

type Ack = (answer: { ok: boolean; message?: string; expiresAt?: string | null }) => void;

export function enforceTokenLifetime(
  socket: Socket,
  settings: {
    identity: TokenIdentity;
    verifier: TokenVerifier;
    log: Logger;
    onRefresh(identity: TokenIdentity): void;
  },
): { stop(): void } {
  const { identity } = settings;
  let expiresAt = identity.expiresAt;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const arm = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped || expiresAt === null) return;
    const delay = expiresAt.getTime() - Date.now();
    if (delay <= 0) {
      expire();
      return;
    }
    timer = setTimeout(arm, Math.min(delay, MAX_DELAY_MS));
  };
  const expire = (): void => {
    stopped = true;
    settings.log.info({ tenantId: identity.tenantId, userId: identity.userId }, 'realtime: token expired');
    socket.emit('error', { message: TOKEN_EXPIRED });
    socket.disconnect(true);
  };

  socket.on('auth:refresh', (payload: unknown, ack?: unknown) => {
    const answer: Ack = typeof ack === 'function' ? (ack as Ack) : () => {};
    const token =
      typeof payload === 'string' ? payload : (payload as { token?: unknown } | null | undefined)?.token;
    const refuse = (message: string): void => {
      socket.emit('error', { message });
      answer({ ok: false, message });
    };
    if (typeof token !== 'string' || token.length === 0) {
      refuse('auth:refresh needs { token } with a fresh access token');
      return;
    }
    Promise.resolve()
      .then(() => settings.verifier.verify(token))
      .then(
        (fresh) => {
          if (stopped) return;
          if (fresh.userId !== identity.userId || fresh.tenantId !== identity.tenantId) {
            refuse('Token does not match this connection');
            return;
          }
          expiresAt = fresh.expiresAt;
          settings.onRefresh(fresh);
          arm();
          answer({ ok: true, expiresAt: expiresAt?.toISOString() ?? null });
        },
        () => {
          if (!stopped) refuse('Invalid token');
        },
      );
  });

  arm();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
