/**
 * node-postgres adapter: a pool for statements (each prepared once per connection by name) and one
 * dedicated client for LISTEN, which reconnects with backoff after a dropped connection. Logs name
 * the target without credentials and carry only an error's safe fields (src/log/safe-error.ts).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { safeError } from '../../log/safe-error.ts';
import type { NotificationHandlers, Row, SqlDriver, SqlSession } from '../sql-driver.ts';

export interface PgDriverOptions {
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

export function createPgDriver(options: PgDriverOptions): SqlDriver {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10 });
  const log = options.logger;
  const target = describeConnection(options.connectionString);
  // An idle client whose connection drops emits here; without a listener the process would crash.
  // Its error carries the whole Client (pg-pool sets err.client): log the safe fields only.
  pool.on('error', (error) =>
    log.warn({ err: safeError(error), target }, 'idle database connection lost; the pool will reconnect'),
  );
  let closed = false;

  return {
    description: target,

    async query(name: string, text: string, values: unknown[]): Promise<Row[]> {
      const result = await pool.query<Row>({ name, text, values });
      return result.rows;
    },

    async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const session: SqlSession = {
          query: async (text, values) => (await client.query<Row>(text, values)).rows,
          exec: async (text) => {
            await client.query(text);
          },
        };
        const result = await work(session);
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch {
          client.release(true);
        }
        throw error;
      }
    },

    async listen(handlers: NotificationHandlers, reconnected: () => void) {
      let client: pg.Client | null = null;
      let stopped = false;
      let retryMs = 100;
      let timer: NodeJS.Timeout | null = null;

      const connect = async (isReconnect: boolean): Promise<void> => {
        const next = new pg.Client({ connectionString: options.connectionString });
        next.on('notification', (message) => handlers[message.channel]?.(message.payload ?? ''));
        next.on('error', (error) => {
          log.warn({ err: safeError(error), target }, 'LISTEN connection lost; reconnecting');
          scheduleReconnect(next);
        });
        next.on('end', () => scheduleReconnect(next));
        await next.connect();
        for (const channel of Object.keys(handlers)) await next.query(`LISTEN "${channel}"`);
        if (stopped) {
          await next.end().catch(() => {});
          return;
        }
        client = next;
        retryMs = 100;
        if (isReconnect) reconnected();
      };

      const scheduleReconnect = (failed: pg.Client): void => {
        if (stopped || closed || client !== failed || timer) return;
        client = null;
        failed.end().catch(() => {});
        const attempt = (): void => {
          timer = null;
          if (stopped || closed) return;
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
        const current = client;
        client = null;
        await current?.end().catch(() => {});
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
