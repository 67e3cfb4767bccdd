/**
 * node-postgres adapter: a pool for statements (each prepared once per connection by name), one
 * dedicated client for LISTEN that reconnects after a dropped connection (pg-listener.ts), and a
 * short-lived client of its own for each migration.
 *
 * Every wait is bounded (pg-bounds.ts): connect, statement, migration, close. close() ends the
 * pool politely for up to closeTimeout, then destroys whatever connection is left (a server that
 * stopped answering never closes its side), so it always returns.
 *
 * Logs name the target without credentials and carry only an error's safe fields: pg's pool puts
 * the whole Client on an idle connection's error (connection parameters, prepared statements' SQL).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { safeError } from '../../log/safe-error.ts';
import type {
  DedicatedSession,
  NotificationHandlers,
  Row,
  SqlDriver,
  SqlSession,
  TransactionOptions,
} from '../sql-driver.ts';
import {
  clientConfig,
  DEFAULT_PG_BOUNDS,
  destroyClient,
  endClient,
  isTimeout,
  type PgBounds,
  type TimeoutContext,
  translateTimeout,
} from './pg-bounds.ts';
import { SharedListener } from './pg-listener.ts';

type Bound = Pick<TimeoutContext, 'statementMs' | 'bound'>;

export interface PgDriverOptions extends Partial<PgBounds> {
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
  logger: Logger;
}

/** The connection target without credentials, for messages and logs. */
export function describeConnection(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `postgres://${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'postgres (unparseable DATABASE_URL)';
  }
}

/** Resolves when `work` settles (true) or after `ms` (false), whichever comes first. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createPgDriver(options: PgDriverOptions): SqlDriver {
  const { connectionString, logger: log } = options;
  const bounds: PgBounds = {
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_PG_BOUNDS.connectTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_PG_BOUNDS.statementTimeoutMs,
    migrationTimeoutMs:
      options.migrationTimeoutMs === undefined
        ? DEFAULT_PG_BOUNDS.migrationTimeoutMs
        : options.migrationTimeoutMs,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_PG_BOUNDS.closeTimeoutMs,
  };
  const max = options.max ?? 10;
  const target = describeConnection(connectionString);
  const pool = new pg.Pool({ ...clientConfig(connectionString, bounds, bounds.statementTimeoutMs), max });

  // Every open connection, so a close past its deadline can destroy them all.
  const connections = new Set<pg.Client>();
  const emptied: (() => void)[] = [];
  const track = (client: pg.Client): void => {
    connections.add(client);
  };
  const untrack = (client: pg.Client): void => {
    connections.delete(client);
    if (connections.size === 0) for (const resolve of emptied.splice(0)) resolve();
  };
  const allClosed = (): Promise<void> =>
    connections.size === 0 ? Promise.resolve() : new Promise((resolve) => emptied.push(resolve));
  pool.on('connect', track);
  pool.on('remove', untrack);

  let closing: Promise<void> | null = null;
  // An idle client whose connection drops emits here; without a listener the process would crash.
  pool.on('error', (error) => {
    if (!closing) {
      log.warn({ err: safeError(error), target }, 'idle database connection lost; the pool will reconnect');
    }
  });

  /** The bound a statement runs under: the ordinary one, or the migrations' own. */
  const ORDINARY: Bound = { statementMs: bounds.statementTimeoutMs, bound: 'statementTimeout' };
  const MIGRATION: Bound = { statementMs: bounds.migrationTimeoutMs, bound: 'migrationTimeout' };
  const translate = (error: unknown, statement: string, under: Bound): unknown =>
    translateTimeout(error, {
      target,
      connectTimeoutMs: bounds.connectTimeoutMs,
      statement,
      ...under,
      poolSize: max,
    });

  const listener = new SharedListener({
    config: clientConfig(connectionString, bounds, bounds.statementTimeoutMs),
    target,
    closeTimeoutMs: bounds.closeTimeoutMs,
    log,
    translate: (error) => translate(error, 'LISTEN', ORDINARY),
    closed: () => closing !== null,
    track,
    untrack,
  });

  /** A session on one client, its errors translated. */
  const sessionOn = (client: pg.ClientBase, under: Bound, label: string) => {
    const run = async (text: string, values?: unknown[]): Promise<Row[]> => {
      try {
        return (await client.query<Row>(text, values)).rows;
      } catch (error) {
        throw translate(error, label, under);
      }
    };
    const session: SqlSession = {
      query: run,
      exec: async (text) => {
        await run(text);
      },
    };
    return { run, session };
  };

  /** BEGIN, work, COMMIT on `client`; rolls back on failure unless the connection is beyond it. */
  async function inTransaction<T>(
    client: pg.ClientBase,
    work: (session: SqlSession) => Promise<T>,
    under: Bound,
    label: string,
  ): Promise<{ result: T } | { error: unknown; reusable: boolean }> {
    let broken = false;
    const onError = (): void => {
      broken = true;
    };
    // A checked-out client has no pool listener: an error event with none would crash the process.
    client.on('error', onError);
    const { run, session } = sessionOn(client, under, label);
    try {
      await run('BEGIN');
      const result = await work(session);
      await run('COMMIT');
      return { result };
    } catch (error) {
      // A server that did not answer will not answer ROLLBACK either: drop the connection instead.
      if (broken || isTimeout(error)) return { error, reusable: false };
      try {
        await run('ROLLBACK');
        return { error, reusable: !broken };
      } catch {
        return { error, reusable: false };
      }
    } finally {
      client.off('error', onError);
    }
  }

  async function migrationTransaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    const client = new pg.Client(clientConfig(connectionString, bounds, MIGRATION.statementMs));
    track(client);
    client.on('error', () => {});
    try {
      try {
        await client.connect();
      } catch (error) {
        destroyClient(client);
        throw translate(error, 'a migration statement', MIGRATION);
      }
      const outcome = await inTransaction(client, work, MIGRATION, 'a migration statement');
      if ('result' in outcome) return outcome.result;
      if (!outcome.reusable) destroyClient(client);
      throw outcome.error;
    } finally {
      await endClient(client, bounds.closeTimeoutMs);
      untrack(client);
    }
  }

  return {
    description: target,

    async query(name: string, text: string, values: unknown[]): Promise<Row[]> {
      try {
        return (await pool.query<Row>({ name, text, values })).rows;
      } catch (error) {
        throw translate(error, `statement "${name}"`, ORDINARY);
      }
    },

    async transaction<T>(work: (session: SqlSession) => Promise<T>, txOptions: TransactionOptions = {}) {
      if (txOptions.migration) return migrationTransaction(work);
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw translate(error, 'a transaction', ORDINARY);
      }
      const outcome = await inTransaction(client, work, ORDINARY, 'a statement of a transaction');
      if ('result' in outcome) {
        client.release();
        return outcome.result;
      }
      // release(true) removes the connection from the pool and closes it.
      client.release(outcome.reusable ? undefined : true);
      throw outcome.error;
    },

    // Every subscription shares the one LISTEN connection (pg-listener.ts).
    listen(handlers: NotificationHandlers, reconnected: () => void) {
      return listener.subscribe(handlers, reconnected);
    },

    async dedicated(): Promise<DedicatedSession> {
      const client = new pg.Client(clientConfig(connectionString, bounds, bounds.statementTimeoutMs));
      let markLost!: () => void;
      const lost = new Promise<void>((resolve) => {
        markLost = resolve;
      });
      client.on('error', markLost);
      client.on('end', markLost);
      track(client);
      lost.then(() => untrack(client));
      try {
        await client.connect();
      } catch (error) {
        destroyClient(client);
        markLost();
        throw translate(error, 'a dedicated connection', ORDINARY);
      }
      return {
        lost,
        async query(text, values) {
          try {
            return (await client.query<Row>(text, values)).rows;
          } catch (error) {
            throw translate(error, 'a statement on a dedicated connection', ORDINARY);
          }
        },
        async close() {
          await endClient(client, bounds.closeTimeoutMs);
          markLost();
        },
      };
    },

    close() {
      closing ??= (async () => {
        const ended = pool.end().catch(() => {});
        const politely = Promise.all([ended, listener.close()]).then(allClosed);
        if (await within(politely, bounds.closeTimeoutMs)) return;
        log.warn(
          { target, connections: connections.size, closeTimeoutMs: bounds.closeTimeoutMs },
          'database connections did not close in time; closing them',
        );
        for (const client of connections) destroyClient(client);
        // A connection still being opened is not tracked yet: it gives up at its connect bound.
        await within(ended, bounds.connectTimeoutMs);
      })();
      return closing;
    },
  };
}
