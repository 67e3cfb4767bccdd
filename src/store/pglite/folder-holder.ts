/**
 * The process that holds an embedded data folder: it opens PGlite on it, serves the session to
 * other processes over the folder's socket (session-server.ts), and uses it itself in process,
 * through the same SessionGate, so its own statements and transactions never interleave with a
 * client's. In-process access costs no socket round trip, which matters because the holder is
 * usually the busiest process (`conveyor dev`, the first worker).
 *
 * Closing order matters for the lock: stop serving (clients' open work is rolled back), let
 * in-process work finish, close PGlite, and only then stop listening. Until that last step
 * the socket is bound, so no newcomer can open the folder while PGlite still writes to it;
 * newcomers meanwhile are accepted and dropped, which they read as "closing, probe again".
 */
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import type { DedicatedSession, NotificationHandlers, Row, SqlDriver, SqlSession } from '../sql-driver.ts';
import { takeTurns } from './event-loop-turns.ts';
import type { FolderEndpoint } from './folder-endpoint.ts';
import { EmbeddedFolderError, OTHER_FOLDER_FIX } from './folder-errors.ts';
import { forgetHolder, type HeldSocket } from './folder-lock.ts';
import { createNotificationHub } from './notification-hub.ts';
import { createSessionGate } from './session-gate.ts';
import { type RawSession, serveSession } from './session-server.ts';

interface PGliteTransaction {
  query(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
  exec(text: string): Promise<unknown>;
}
/** The slice of PGlite the holder uses (public API only). */
interface PGliteHandle extends RawSession, PGliteTransaction {
  transaction<T>(work: (tx: PGliteTransaction) => Promise<T>): Promise<T>;
  onNotification(callback: (channel: string, payload: string) => void): () => void;
  close(): Promise<void>;
}

export interface FolderHolder {
  /** In-process access to the session. */
  driver: Omit<SqlDriver, 'close'>;
  /** Socket clients connected now. */
  readonly clients: number;
  close(): Promise<void>;
}

async function openPglite(folder: string): Promise<PGliteHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  return (await PGlite.create(folder)) as unknown as PGliteHandle;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Longest the holder runs in-process statements without letting its event loop turn. */
const MAX_MS_WITHOUT_A_TURN = 5;

export async function openFolderHolder(
  endpoint: FolderEndpoint,
  socket: HeldSocket,
  log: Logger,
  idleInTransactionMs?: number,
): Promise<FolderHolder> {
  const gate = createSessionGate();
  const hub = createNotificationHub();
  const opening = openPglite(endpoint.folder);
  const server = serveSession({
    server: socket.server,
    parked: socket.parked,
    session: opening,
    gate,
    hub,
    holderPid: process.pid,
    log,
    ...(idleInTransactionMs === undefined ? {} : { idleInTransactionMs }),
  });
  let db: PGliteHandle;
  try {
    db = await opening;
    await server.prepare();
  } catch (error) {
    await server.stopServing();
    forgetHolder(endpoint);
    await closeServer(socket.server);
    throw new EmbeddedFolderError(
      endpoint.folder,
      `PGlite could not open it (${(error as Error).message})`,
      `check that it is a PGlite data folder on a writable disk with free space, or ${OTHER_FOLDER_FIX}`,
      { cause: error },
    );
  }
  const stopRelaying = db.onNotification((channel, payload) =>
    hub.publish({ pid: process.pid, channel, payload }),
  );
  log.info(
    { folder: endpoint.folder, socket: endpoint.socketPath },
    'embedded database: this process holds the folder and serves it to other Conveyor processes',
  );

  const sessionOf = (tx: PGliteTransaction): SqlSession => ({
    query: async (text, values) => (await tx.query(text, values)).rows,
    exec: async (text) => {
      await tx.exec(text);
    },
  });

  // Lets sockets be read between in-process statements (event-loop-turns.ts).
  const letClientsIn = takeTurns(MAX_MS_WITHOUT_A_TURN);

  let closing: Promise<void> | null = null;
  return {
    get clients() {
      return server.connections;
    },
    driver: {
      description: `pglite:${endpoint.folder}`,
      async query(_name, text, values) {
        await letClientsIn();
        return gate.run(async () => (await db.query(text, values)).rows);
      },
      async transaction(work) {
        await letClientsIn();
        return gate.run(() => db.transaction((tx) => work(sessionOf(tx))));
      },
      // The one session is everyone's: a session-level advisory lock taken here is taken by every
      // process using the folder (each then leads its roles; leader services tolerate that).
      async dedicated(): Promise<DedicatedSession> {
        return {
          lost: new Promise(() => {}),
          query: async (text, values) => {
            await letClientsIn();
            return gate.run(async () => (await db.query(text, values)).rows);
          },
          close: async () => {},
        };
      },
      async listen(handlers: NotificationHandlers) {
        const unsubscribes = Object.entries(handlers).map(([channel, handler]) =>
          hub.subscribe(channel, (notification) => handler(notification.payload)),
        );
        const missing = Object.keys(handlers).filter((channel) => !hub.listened.has(channel));
        if (missing.length > 0) {
          await gate.run(async () => {
            for (const channel of missing) {
              await db.exec(`LISTEN ${quoteIdent(channel)}`);
              hub.listened.add(channel);
            }
          });
        }
        return async () => {
          for (const unsubscribe of unsubscribes) unsubscribe();
        };
      },
    },
    close() {
      closing ??= (async () => {
        await server.stopServing();
        stopRelaying();
        await gate.run(() => db.close());
        forgetHolder(endpoint);
        await closeServer(socket.server);
      })();
      return closing;
    },
  };
}
