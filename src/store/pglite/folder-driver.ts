/**
 * The SqlDriver for an embedded data folder (DESIGN.md D10: shared, never copied). The first
 * process to open the folder holds it (folder-lock.ts) and uses PGlite in process while serving
 * it to the others (folder-holder.ts); every later process is a client of the holder over the
 * folder's socket (folder-client.ts).
 *
 * A client outlives its holder: when a statement finds the holder gone (connection refused, reset
 * or terminated), the client claims the folder again and becomes the holder itself or a client of
 * whoever took over. A statement that never reached the old holder (refused at connect) is sent
 * once more to the new one; one that may have run there fails with the connection error, as with
 * any lost database connection. Subscriptions follow the switch, then get `reconnected()` so
 * workers poll once for what they might have missed. While anything listens, the switch happens
 * at once (with backoff on failure); otherwise on the next statement.
 *
 * A full disk (SQLSTATE 53100) becomes an EmbeddedDiskFullError naming the folder.
 */
import type { Logger } from 'pino';
import { ConveyorError } from '../../core/errors.ts';
import type { PgBounds } from '../postgres/pg-bounds.ts';
import type { NotificationHandlers, SqlDriver, SqlSession, TransactionOptions } from '../sql-driver.ts';
import { connectFolderClient } from './folder-client.ts';
import { folderEndpoint } from './folder-endpoint.ts';
import { EmbeddedDiskFullError } from './folder-errors.ts';
import { openFolderHolder } from './folder-holder.ts';
import { claimFolder, type FolderTiming } from './folder-lock.ts';

export interface FolderDriverOptions {
  dataDir: string;
  /** Connections to the holder when this process is a client. */
  poolSize: number;
  logger: Logger;
  /** Bounds of a client's connections to the holder (connect, statement, migration, close). */
  bounds?: Partial<PgBounds>;
  timing?: Partial<FolderTiming>;
}

export interface FolderDriver extends SqlDriver {
  /** Whether this process holds the folder now, or uses it through the process that does. */
  readonly role: 'holder' | 'client' | null;
}

interface Backend {
  role: 'holder' | 'client';
  driver: Omit<SqlDriver, 'close'>;
  close(): Promise<void>;
}

interface Subscription {
  handlers: NotificationHandlers;
  reconnected: () => void;
  backend: Backend | null;
  stop: (() => Promise<void>) | null;
}

/** Errors of a connection to the holder that went away (or was never made). */
const LOST_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '08006']);
const LOST_MESSAGES = /Connection terminated|connection error|Client was closed|not queryable/i;
/** Refused before anything was sent: the statement certainly did not run. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOENT']);

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};
const isLost = (error: unknown): boolean =>
  LOST_CODES.has(codeOf(error) ?? '') ||
  (codeOf(error) === undefined && LOST_MESSAGES.test((error as Error)?.message ?? ''));

const MAX_RETRY_MS = 5_000;

export async function openFolderDriver(options: FolderDriverOptions): Promise<FolderDriver> {
  const endpoint = folderEndpoint(options.dataDir);
  const log = options.logger;
  let backend: Backend | null = null;
  let attaching: Promise<Backend> | null = null;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let retryMs = 20;
  const subscriptions = new Set<Subscription>();

  const attach = async (): Promise<Backend> => {
    const claim = await claimFolder(endpoint, options.timing);
    if (claim.role === 'holder') {
      const holder = await openFolderHolder(endpoint, claim.socket, log, options.timing?.idleInTransactionMs);
      return { role: 'holder', driver: holder.driver, close: () => holder.close() };
    }
    const client = connectFolderClient(endpoint, claim.holderPid, {
      poolSize: options.poolSize,
      logger: log,
      ...(options.bounds ? { bounds: options.bounds } : {}),
    });
    return { role: 'client', driver: client, close: () => client.close() };
  };

  const subscribe = async (sub: Subscription, to: Backend, isSwitch: boolean): Promise<void> => {
    if (sub.backend === to) return;
    const previous = sub.stop;
    sub.stop = null;
    sub.backend = to;
    await previous?.().catch(() => {});
    sub.stop = await to.driver.listen(sub.handlers, sub.reconnected);
    if (isSwitch) sub.reconnected();
  };

  const current = (): Promise<Backend> => {
    if (closed) return Promise.reject(new ConveyorError('CLOSED', 'the embedded database is closed'));
    if (backend) return Promise.resolve(backend);
    attaching ??= (async () => {
      try {
        const next = await attach();
        if (closed) {
          await next.close();
          throw new ConveyorError('CLOSED', 'the embedded database is closed');
        }
        backend = next;
        for (const sub of subscriptions) {
          if (sub.backend === null) continue;
          await subscribe(sub, next, true).catch((error: unknown) =>
            log.warn(
              { folder: endpoint.folder, reason: (error as Error).message },
              'embedded database: could not listen again after the switch; workers fall back to polling',
            ),
          );
        }
        return next;
      } finally {
        attaching = null;
      }
    })();
    return attaching;
  };

  const reattachSoon = (): void => {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      current().then(
        () => {
          retryMs = 20;
        },
        (error: unknown) => {
          if (closed) return;
          log.warn(
            { folder: endpoint.folder, code: codeOf(error), reason: (error as Error).message, retryMs },
            'embedded database: could not take over or reach the folder; retrying',
          );
          retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
          reattachSoon();
        },
      );
    }, retryMs);
  };

  const lost = (from: Backend, error: unknown): void => {
    if (backend !== from) return;
    backend = null;
    log.warn(
      { folder: endpoint.folder, code: codeOf(error), reason: (error as Error).message },
      'embedded database: the process holding the folder is gone; taking over or reconnecting',
    );
    for (const sub of subscriptions) {
      if (sub.backend !== from) continue;
      const stop = sub.stop;
      sub.stop = null;
      void stop?.().catch(() => {});
    }
    void from.close().catch(() => {});
    if (subscriptions.size > 0) reattachSoon();
  };

  const translate = (error: unknown): unknown =>
    codeOf(error) === '53100' ? new EmbeddedDiskFullError(endpoint.folder, error) : error;

  /** Runs `work` on the current backend, switching (and retrying once if unsent) when it is gone. */
  const guarded = async <T>(work: (driver: Backend['driver']) => Promise<T>, retry = true): Promise<T> => {
    const on = await current();
    try {
      return await work(on.driver);
    } catch (error) {
      if (on.role === 'client' && isLost(error)) {
        lost(on, error);
        if (retry && NEVER_SENT.has(codeOf(error) ?? '')) return guarded(work, false);
      }
      throw translate(error);
    }
  };

  await current();

  return {
    get description() {
      return backend?.driver.description ?? `pglite:${endpoint.folder}`;
    },
    get role() {
      return backend?.role ?? null;
    },
    query: (name, text, values) => guarded((driver) => driver.query(name, text, values)),
    transaction: <T>(work: (session: SqlSession) => Promise<T>, txOptions?: TransactionOptions) =>
      guarded((driver) => driver.transaction(work, txOptions)),
    // A client's session ends with its holder (`lost`); the caller opens another, on the new one.
    dedicated: () => guarded((driver) => driver.dedicated()),
    async listen(handlers, reconnected) {
      const sub: Subscription = { handlers, reconnected, backend: null, stop: null };
      subscriptions.add(sub);
      try {
        await subscribe(sub, await current(), false);
        if (backend && backend !== sub.backend) await subscribe(sub, backend, true);
      } catch (error) {
        subscriptions.delete(sub);
        throw error;
      }
      return async () => {
        subscriptions.delete(sub);
        const stop = sub.stop;
        sub.stop = null;
        await stop?.();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await attaching?.catch(() => {});
      for (const sub of subscriptions) await sub.stop?.().catch(() => {});
      subscriptions.clear();
      const last = backend;
      backend = null;
      await last?.close();
    },
  };
}
