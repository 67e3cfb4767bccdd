/**
 * Limits on what a client sends: a token bucket per socket (`eventsPerSecond`, `burst`) and a size
 * cap per event (the JSON of its arguments). An event over either limit is dropped before any
 * handler sees it and the socket gets `error` { message } (at most one such error per second, so a
 * flooding client cannot make the server flood back). Socket.IO's `maxHttpBufferSize` bounds the raw
 * frame before parsing; this bounds each event after it.
 */
import type { Socket } from 'socket.io';
import type { ResolvedLimits } from './gateway-options.ts';

type Packet = [event: string, ...args: unknown[]];

/** Bytes of the JSON of an event's arguments; Infinity for arguments JSON cannot carry. */
function jsonBytes(args: unknown[]): number {
  try {
    return Buffer.byteLength(JSON.stringify(args) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Installs the limits on one socket (a per-socket middleware; it goes away with the socket). */
export function limitClientEvents(
  socket: Socket,
  limits: ResolvedLimits,
  now: () => number = Date.now,
): void {
  let tokens = limits.burst;
  let refilledAt = now();
  let lastErrorAt = Number.NEGATIVE_INFINITY;
  const refuse = (message: string): void => {
    const at = now();
    if (at - lastErrorAt < 1_000) return;
    lastErrorAt = at;
    socket.emit('error', { message });
  };
  socket.use((packet: Packet, next: (error?: Error) => void) => {
    const at = now();
    tokens = Math.min(limits.burst, tokens + ((at - refilledAt) / 1_000) * limits.eventsPerSecond);
    refilledAt = at;
    if (tokens < 1) {
      refuse(`Rate limit exceeded: at most ${limits.eventsPerSecond} events per second`);
      return;
    }
    tokens -= 1;
    const [, ...args] = packet;
    // The acknowledgement callback, if any, is not part of the event's data.
    const data = typeof args.at(-1) === 'function' ? args.slice(0, -1) : args;
    const bytes = jsonBytes(data);
    if (bytes > limits.maxEventBytes) {
      refuse(
        `Event too large: ${Number.isFinite(bytes) ? bytes : 'unserializable'} bytes, limit ${limits.maxEventBytes}`,
      );
      return;
    }
    next();
  });
}
