/**
 * The dedicated LISTEN connection of the node-postgres driver. It reconnects after a lost
 * connection with backoff (100 ms doubling to 5 s), LISTENs again and then calls `reconnected`
 * (NOTIFYs sent meanwhile are gone, so the caller looks for work once).
 *
 * Bounded: its connect by connectTimeout, each LISTEN by the statement bound, its end by
 * closeTimeout; a client that failed on the way is destroyed, never left half-open.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { safeError } from '../../log/safe-error.ts';
import type { NotificationHandlers } from '../sql-driver.ts';
import { destroyClient, endClient } from './pg-bounds.ts';

export interface ListenerDeps {
  /** Settings of a new connection (bounds included). */
  config: pg.ClientConfig;
  target: string;
  closeTimeoutMs: number;
  log: Logger;
  /** pg's timeout errors as DatabaseTimeoutError (pg-bounds.ts). */
  translate(error: unknown): unknown;
  /** Whether the driver is closed (then no reconnect). */
  closed(): boolean;
  /** Tracks the connection so a forced close can reach it. */
  track(client: pg.Client): void;
  untrack(client: pg.Client): void;
}

export async function listenWithReconnect(
  deps: ListenerDeps,
  handlers: NotificationHandlers,
  reconnected: () => void,
): Promise<() => Promise<void>> {
  const { log, target } = deps;
  let client: pg.Client | null = null;
  let stopped = false;
  let retryMs = 100;
  let timer: NodeJS.Timeout | null = null;

  const end = async (old: pg.Client): Promise<void> => {
    await endClient(old, deps.closeTimeoutMs);
    deps.untrack(old);
  };

  const connect = async (isReconnect: boolean): Promise<void> => {
    const next = new pg.Client(deps.config);
    deps.track(next);
    next.on('notification', (message) => handlers[message.channel]?.(message.payload ?? ''));
    next.on('error', (error) => {
      if (client === next)
        log.warn({ err: safeError(error), target }, 'LISTEN connection lost; reconnecting');
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      for (const channel of Object.keys(handlers)) await next.query(`LISTEN "${channel}"`);
    } catch (error) {
      destroyClient(next);
      deps.untrack(next);
      throw deps.translate(error);
    }
    if (stopped || deps.closed()) {
      await end(next);
      return;
    }
    client = next;
    retryMs = 100;
    if (isReconnect) reconnected();
  };

  const scheduleReconnect = (failed: pg.Client): void => {
    if (stopped || deps.closed() || client !== failed || timer) return;
    client = null;
    void end(failed);
    const attempt = (): void => {
      timer = null;
      if (stopped || deps.closed()) return;
      connect(true).catch((error: unknown) => {
        log.warn({ err: safeError(error), target, retryMs }, 'LISTEN reconnect failed; retrying');
        retryMs = Math.min(retryMs * 2, 5_000);
        timer = setTimeout(attempt, retryMs);
      });
    };
    timer = setTimeout(attempt, retryMs);
  };

  await connect(false);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    const current = client;
    client = null;
    if (current) await end(current);
  };
}
