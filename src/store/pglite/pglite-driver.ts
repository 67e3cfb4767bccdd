/**
 * PGlite adapter: Postgres compiled to WASM, in process, data in a local folder (or in memory).
 * One connection, one process: statements queue behind each other, and LISTEN/NOTIFY stays
 * inside the process. Declares only the slice of PGlite it uses.
 */
import type { DedicatedSession, NotificationHandlers, Row, SqlDriver, SqlSession } from '../sql-driver.ts';

interface PGliteResults {
  rows: Row[];
}
interface PGliteTransaction {
  query(text: string, values?: unknown[]): Promise<PGliteResults>;
  exec(text: string): Promise<unknown>;
}
interface PGliteLike extends PGliteTransaction {
  transaction<T>(work: (tx: PGliteTransaction) => Promise<T>): Promise<T>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
  readonly closed: boolean;
}

export interface PgliteDriverOptions {
  /** A folder for the data, or `memory://` for a throwaway database. */
  dataDir: string;
}

export async function createPgliteDriver(options: PgliteDriverOptions): Promise<SqlDriver> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = (await PGlite.create(options.dataDir)) as unknown as PGliteLike;

  return {
    description: `pglite:${options.dataDir}`,

    async query(_name: string, text: string, values: unknown[]): Promise<Row[]> {
      return (await db.query(text, values)).rows;
    },

    async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        work({
          query: async (text, values) => (await tx.query(text, values)).rows,
          exec: async (text) => {
            await tx.exec(text);
          },
        }),
      );
    },

    async listen(handlers: NotificationHandlers) {
      const unlisteners = await Promise.all(
        Object.entries(handlers).map(([channel, handler]) => db.listen(channel, handler)),
      );
      return async () => {
        if (db.closed) return;
        for (const unlisten of unlisteners) await unlisten();
      };
    },

    // One process, one connection: the session is the database itself, and it is never lost
    // while the process lives (an advisory lock taken on it is this process's).
    async dedicated(): Promise<DedicatedSession> {
      return {
        lost: new Promise(() => {}),
        query: async (text, values) => (await db.query(text, values)).rows,
        close: async () => {},
      };
    },

    async close() {
      if (!db.closed) await db.close();
    },
  };
}
