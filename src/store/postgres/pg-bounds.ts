/**
 * Every wait on node-postgres is bounded (docs/configuration.md#timeouts):
 *   - connecting, and waiting for a free pooled connection: `connectTimeout`;
 *   - a statement: PostgreSQL cancels it at `statementTimeout` (statement_timeout, sent when the
 *     connection opens), and the client gives up CLIENT_GRACE_MS later if no answer came at all
 *     (a frozen or partitioned server), closing the connection;
 *   - migrations run on a connection of their own with `migrationTimeout` instead (an index build
 *     on a large table may take minutes); `null` leaves them unbounded on purpose;
 *   - ending connections: `closeTimeout`, after which they are destroyed.
 * pg reports its own timeouts as plain Errors known only by their messages; `translateTimeout`
 * turns them into DatabaseTimeoutError (the fault tests pin these messages to the pg version).
 */
import type pg from 'pg';
import { DatabaseTimeoutError } from '../database-timeout-error.ts';

export interface PgBounds {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** null: migrations are not bounded. */
  migrationTimeoutMs: number | null;
  closeTimeoutMs: number;
}

export const DEFAULT_PG_BOUNDS: PgBounds = {
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
  migrationTimeoutMs: 15 * 60_000,
  closeTimeoutMs: 10_000,
};

/** How long the client waits past the server's statement_timeout for an answer that does not come. */
export const CLIENT_GRACE_MS = 1_000;

/** Client settings for a connection whose statements are bounded by `statementMs` (null: unbounded). */
export function clientConfig(
  connectionString: string,
  bounds: PgBounds,
  statementMs: number | null,
): pg.ClientConfig {
  return {
    connectionString,
    connectionTimeoutMillis: bounds.connectTimeoutMs,
    // TCP keepalive probes after 10 s idle keep NAT and load-balancer entries of idle connections
    // (the LISTEN one above all) from expiring silently, and let the kernel find a dead peer.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(statementMs === null
      ? {}
      : { statement_timeout: statementMs, query_timeout: statementMs + CLIENT_GRACE_MS }),
  };
}

const CONNECT_MESSAGES = new Set([
  'Connection terminated due to connection timeout', // pg-pool, a new connection
  'timeout expired', // pg Client.connect
]);

/** What a translated timeout names: the target, what ran, and under which bound. */
export interface TimeoutContext {
  target: string;
  connectTimeoutMs: number;
  /** e.g. `statement "conveyor:job-claim"`. */
  statement: string;
  /** The statement's bound (null: unbounded) and the option that set it. */
  statementMs: number | null;
  bound: 'statementTimeout' | 'migrationTimeout';
  poolSize: number;
}

/** pg's timeout errors as DatabaseTimeoutError; anything else unchanged. */
export function translateTimeout(error: unknown, context: TimeoutContext): unknown {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== undefined) return error;
  const { target, statementMs, connectTimeoutMs } = context;
  if (error.message === 'Query read timeout' && statementMs !== null) {
    return new DatabaseTimeoutError(
      'statement',
      target,
      statementMs + CLIENT_GRACE_MS,
      `${context.statement} (${context.bound} ${statementMs} ms + ${CLIENT_GRACE_MS} ms)`,
      error,
    );
  }
  if (error.message === 'timeout exceeded when trying to connect') {
    return new DatabaseTimeoutError('pool', target, connectTimeoutMs, String(context.poolSize), error);
  }
  if (CONNECT_MESSAGES.has(error.message)) {
    return new DatabaseTimeoutError('connect', target, connectTimeoutMs, '', error);
  }
  return error;
}

export function isTimeout(error: unknown): boolean {
  return error instanceof DatabaseTimeoutError;
}

/** Closes the client's socket at once (no goodbye to a server that would not answer it). */
export function destroyClient(client: pg.Client): void {
  client.connection.stream.destroy();
}

/**
 * Ends a client politely, but waits at most `ms` for the server to close its side (a frozen server
 * never does: pg's end() would wait forever), then destroys the socket.
 */
export async function endClient(client: pg.Client, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const inTime = await Promise.race([ended, late]);
  clearTimeout(timer);
  if (!inTime) destroyClient(client);
}
