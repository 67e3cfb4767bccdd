/**
 * Resource rooms on request: `subscribe:<kind>` with the resource's id joins the socket to that
 * resource's room of its own tenant, only after the application's `authorize` confirmed the
 * resource belongs to the socket's tenant; `unsubscribe:<kind>` leaves it. Denied (false, a throw,
 * a rejection, no authorizer, a malformed id) → `error` { message }, not joined; the message is the
 * same whether the resource does not exist or belongs to another tenant. An acknowledgement
 * callback, when the client passes one, gets `{ ok }`.
 */
import type { Socket } from 'socket.io';
import type { TokenIdentity } from '../auth/jwt-verifier.ts';
import type { Logger } from '../log/logger.ts';
import { safeError } from '../log/safe-error.ts';
import type { RoomRequest } from './gateway-options.ts';
import { resourceRoom } from './room-names.ts';

const MAX_ID_LENGTH = 200;

type Ack = (answer: { ok: boolean; message?: string }) => void;

export function serveResourceRooms(
  socket: Socket,
  settings: {
    identity: () => TokenIdentity;
    kinds: readonly string[];
    authorize: ((request: RoomRequest) => boolean | Promise<boolean>) | undefined;
    log: Logger;
  },
): void {
  for (const kind of settings.kinds) {
    socket.on(`subscribe:${kind}`, (id: unknown, ack?: unknown) => {
      const answer: Ack = typeof ack === 'function' ? (ack as Ack) : () => {};
      const identity = settings.identity();
      const refuse = (message: string): void => {
        socket.emit('error', { message });
        answer({ ok: false, message });
      };
      if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
        refuse(`subscribe:${kind} needs the ${kind} id as a string of 1 to ${MAX_ID_LENGTH} characters`);
        return;
      }
      const authorize = settings.authorize;
      Promise.resolve()
        .then(() => (authorize ? authorize({ kind, id, identity }) : false))
        .then(
          (allowed) => allowed === true,
          (error: unknown) => {
            settings.log.warn(
              { err: safeError(error), kind, tenantId: identity.tenantId },
              'realtime: authorize threw',
            );
            return false;
          },
        )
        .then((allowed) => {
          if (!socket.connected) return;
          if (!allowed) {
            refuse(`Cannot subscribe to ${kind} ${id}`);
            return;
          }
          void socket.join(resourceRoom(identity.tenantId, kind, id));
          answer({ ok: true });
        });
    });
    socket.on(`unsubscribe:${kind}`, (id: unknown, ack?: unknown) => {
      const answer: Ack = typeof ack === 'function' ? (ack as Ack) : () => {};
      if (typeof id === 'string') void socket.leave(resourceRoom(settings.identity().tenantId, kind, id));
      answer({ ok: typeof id === 'string' });
    });
  }
}
