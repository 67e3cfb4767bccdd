/**
 * Resume beyond Socket.IO: a client that reconnects with the last `sequence` it saw gets, from the
 * history (the outbox), the events it missed, then the live ones, with neither a gap nor a
 * duplicate across the switch; or a `reset` when the history cannot say (pruned, or more than the
 * window). It relies only on the outbox and the client's number, so it works after a gateway
 * restart and on another node, where Socket.IO's own connection-state recovery does not.
 *
 * The switch: the socket registers as a resumer on its tenant's stream (already subscribed) before
 * reading the history, so every live event from then on is buffered. It replays the history after
 * `lastSequence`, then the buffered events past the last replayed one; if the buffer starts past a
 * gap it reads the history again from there. The last history read settles, then the buffer is
 * drained and the socket joins its rooms in the same synchronous step: no live event can fall
 * between.
 */
import type { TokenIdentity } from '../auth/jwt-verifier.ts';
import type { EventEnvelope } from '../events/event-envelope.ts';
import type { EventHistory } from '../events/event-fanout.ts';
import type { RealtimeAudience } from './gateway-options.ts';
import type { Resumer, TenantStream } from './tenant-stream.ts';

/** History reads one resume may make before it gives up and sends `reset`. */
const MAX_READS = 3;

export interface ResumeTarget {
  identity: TokenIdentity;
  /** Sends one event to this socket only. */
  emit(event: EventEnvelope): void;
  /** Tells this socket to refetch: its missed events cannot be replayed. */
  reset(lastSequence: number): void;
  /** Joins the socket's live rooms (called once, synchronously after the replay). */
  goLive(): void;
  /** False once the socket disconnected (the replay stops). */
  connected(): boolean;
}

export interface ResumeOutcome {
  replayed: number;
  reset: boolean;
}

/** Whether an event routed to `audience` is for this socket (user and tenant audiences replay). */
export function audienceIncludes(audience: RealtimeAudience, identity: TokenIdentity): boolean {
  if (audience === 'tenant') return true;
  return (audience.userIds ?? []).some((userId) => String(userId) === identity.userId);
}

export async function resumeFromHistory(params: {
  stream: TenantStream;
  history: EventHistory | undefined;
  lastSequence: number;
  window: number;
  route: (event: EventEnvelope) => RealtimeAudience | null;
  target: ResumeTarget;
}): Promise<ResumeOutcome> {
  const { stream, history, target } = params;
  const resumer: Resumer = { buffer: [] };
  stream.resumers.add(resumer);
  let after = params.lastSequence;
  let replayed = 0;
  const send = (event: EventEnvelope): void => {
    after = event.sequence;
    const audience = params.route(event);
    if (audience !== null && audienceIncludes(audience, target.identity)) {
      target.emit(event);
      replayed += 1;
    }
  };
  try {
    if (!history) {
      target.reset(after);
      return { replayed, reset: true };
    }
    for (let read = 1; ; read += 1) {
      const { events, complete } = await history.since({
        tenantId: target.identity.tenantId,
        afterSequence: after,
        limit: params.window,
      });
      if (!target.connected()) return { replayed, reset: false };
      if (!complete) {
        target.reset(after);
        return { replayed, reset: true };
      }
      const ordered = events
        .filter((event) => event.tenantId === target.identity.tenantId)
        .sort((a, b) => a.sequence - b.sequence);
      for (const event of ordered) if (event.sequence > after) send(event);
      const next = resumer.buffer.find((event) => event.sequence > after);
      if (next === undefined || next.sequence === after + 1) {
        for (const event of resumer.buffer) if (event.sequence > after) send(event);
        return { replayed, reset: false };
      }
      if (read >= MAX_READS) {
        target.reset(after);
        return { replayed, reset: true };
      }
    }
  } finally {
    stream.resumers.delete(resumer);
    if (target.connected()) target.goLive();
  }
}
