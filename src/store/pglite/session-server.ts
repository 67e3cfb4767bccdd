/**
 * Serves the holder's PGlite session over the PostgreSQL wire protocol on the folder's socket, so
 * other processes reach it with node-postgres (or psql).
 *
 * Design note. PGlite has exactly one session, so every connection shares it. Three rules make
 * that safe for ordinary clients:
 * 1. A connection holds the session (the SessionGate) from its first message until PGlite answers
 *    a Sync/Query with ReadyForQuery `I` (idle). Parse/Bind/Execute of one client can therefore
 *    never interleave with another's (they share the unnamed statement and portal), and nobody
 *    runs inside another's transaction. (`@electric-sql/pglite-socket` 0.2.17 queues per message
 *    and pins a client only inside a transaction block, so two clients' extended-protocol batches
 *    interleave once a message spans two reads: 34 of 200 concurrent queries failed or were bound
 *    to another client's statement in our reproduction; upstream issue electric-sql/pglite#1046.
 *    That, its exact pin of pglite 0.5.14 and its seven extension peers are why this is ours.)
 * 2. A connection that goes away while holding the session has its work rolled back (ROLLBACK,
 *    Sync, ROLLBACK: the first ends an implicit extended-protocol transaction, Sync clears an
 *    error state, the last ends an explicit block), as PostgreSQL does for a lost connection.
 * 3. Session-wide state stays neutral: LISTEN is relayed per connection through the
 *    NotificationHub and UNLISTEN is answered here without reaching the session. Named prepared
 *    statements and SET would be shared by all; Conveyor's client driver uses neither.
 * 4. Holding is bounded: a connection that keeps the session between two of its messages (inside a
 *    transaction, or mid-query) for longer than `idleInTransactionMs` (30 s) is ended as
 *    PostgreSQL's idle_in_transaction_session_timeout would (FATAL 25P03) and rule 2 applies, so
 *    a stopped or stuck client cannot freeze every process using the folder.
 *
 * Startup is answered from PGlite's own startup reply (taken once) plus a ParameterStatus
 * `conveyor.holder_pid`, by which a newcomer knows it reached a Conveyor holder, and which process.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { safeError } from '../../log/safe-error.ts';
import type { NotificationHub } from './notification-hub.ts';
import type { SessionGate } from './session-gate.ts';
import {
  backendMessages,
  commandCompleteMessage,
  type FrontendMessage,
  fatalMessage,
  listenCommand,
  type Notification,
  notificationMessage,
  parameterStatusMessage,
  queryText,
  readNotification,
  readyForQueryMessage,
  readyStatus,
  SYNC_MESSAGE,
  simpleQueryMessage,
  splitFrontend,
  startupMessage,
} from './wire-messages.ts';

/** The slice of PGlite the server uses (public API). */
export interface RawSession {
  execProtocolRawStream(
    message: Uint8Array,
    options: { onRawData: (data: Uint8Array) => void },
  ): Promise<void>;
  runExclusive<T>(work: () => Promise<T>): Promise<T>;
}

export const HOLDER_PID_PARAMETER = 'conveyor.holder_pid';

export interface SessionServerOptions {
  server: Server;
  /** Connections accepted before the server was attached. */
  parked: Socket[];
  /** Resolves once PGlite is open; connections wait for it. */
  session: Promise<RawSession>;
  gate: SessionGate;
  hub: NotificationHub;
  holderPid: number;
  log: Logger;
  /** Longest a connection may hold the session between two of its messages (default 30 s). */
  idleInTransactionMs?: number;
}

export const IDLE_IN_TRANSACTION_MS = 30_000;

export interface SessionServer {
  /** Takes PGlite's startup reply now, so no newcomer's probe waits behind the holder's own work. */
  prepare(): Promise<void>;
  /** Ends every connection (rolling back what each had open) and refuses new ones; the socket stays bound. */
  stopServing(): Promise<void>;
  readonly connections: number;
}

/** Messages after which PGlite answers ReadyForQuery (the end of an exchange). */
const EXCHANGE_ENDS = new Set(['S', 'Q', 'F', 'c', 'f']);
const RESET = Buffer.concat([simpleQueryMessage('ROLLBACK'), SYNC_MESSAGE, simpleQueryMessage('ROLLBACK')]);

interface Connection {
  socket: Socket;
  input: Buffer;
  started: boolean;
  /** Gives the session back; set while this connection holds it. */
  release: (() => void) | null;
  /** Something ran since the session was taken (a reset is needed if the client vanishes). */
  dirty: boolean;
  status: 'I' | 'T' | 'E';
  /** Ends a connection that holds the session idle for too long. */
  idleTimer: NodeJS.Timeout | null;
  subscriptions: Map<string, () => void>;
  closed: boolean;
  pumping: Promise<void> | null;
  finished: Promise<void> | null;
}

export function serveSession(options: SessionServerOptions): SessionServer {
  const { gate, hub, log } = options;
  const idleInTransactionMs = options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS;
  const connections = new Set<Connection>();
  let serving = true;
  let startupReply: Promise<Buffer> | null = null;

  /** Runs protocol bytes in the session (the caller holds the gate); returns PGlite's answer. */
  const exec = async (bytes: Buffer): Promise<Buffer> => {
    const session = await options.session;
    const chunks: Buffer[] = [];
    await session.runExclusive(() =>
      session.execProtocolRawStream(bytes, { onRawData: (data) => chunks.push(Buffer.from(data)) }),
    );
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  };

  const write = (conn: Connection, bytes: Buffer): void => {
    if (!conn.socket.destroyed && bytes.length > 0) conn.socket.write(bytes);
  };

  /** Publishes the notifications in `output`; returns what goes back to the client and its last status. */
  const route = (output: Buffer): { forward: Buffer; status: 'I' | 'T' | 'E' | null } => {
    let status: 'I' | 'T' | 'E' | null = null;
    const kept: Buffer[] = [];
    let notified = false;
    for (const message of backendMessages(output)) {
      status = message.type === 'Z' ? (readyStatus(message.bytes) as 'I' | 'T' | 'E') : null;
      if (message.type === 'A') {
        notified = true;
        hub.publish(readNotification(message.bytes));
      } else kept.push(message.bytes);
    }
    return { forward: notified ? Buffer.concat(kept) : output, status };
  };

  /** Runs a batch of the client's messages holding the session; lets go when the exchange ends idle. */
  const run = async (conn: Connection, batch: Buffer[], lastType: string): Promise<Buffer> => {
    if (!conn.release) {
      conn.release = await gate.acquire();
      conn.dirty = false;
    }
    if (conn.closed) return Buffer.alloc(0);
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    conn.idleTimer = null;
    conn.dirty = true;
    const { forward, status } = route(await exec(batch.length === 1 ? batch[0]! : Buffer.concat(batch)));
    if (status) conn.status = status;
    if (status === 'I' && EXCHANGE_ENDS.has(lastType)) {
      conn.release();
      conn.release = null;
    } else if (!conn.closed) {
      conn.idleTimer = setTimeout(() => expire(conn), idleInTransactionMs);
    }
    return forward;
  };

  const expire = (conn: Connection): void => {
    log.warn(
      { idleInTransactionMs },
      'embedded database: ending a client connection that held the shared session idle for too long',
    );
    write(
      conn,
      fatalMessage(
        '25P03',
        `terminating connection: it held the embedded database idle inside a transaction or query for ${idleInTransactionMs} ms, and every process shares that one session`,
      ),
    );
    conn.socket.destroy();
  };

  /** PGlite's answer to a startup, without its ReadyForQuery: taken once, replayed to every client. */
  const takeStartupReply = (): Promise<Buffer> => {
    startupReply ??= gate
      .run(() => exec(startupMessage({ user: 'postgres', database: 'postgres' })))
      .then((reply) => {
        const kept = [...backendMessages(reply)].filter((m) => m.type !== 'Z').map((m) => m.bytes);
        return Buffer.concat(kept);
      });
    return startupReply;
  };

  const answerStartup = async (conn: Connection): Promise<void> => {
    const reply = await takeStartupReply();
    write(
      conn,
      Buffer.concat([
        reply,
        parameterStatusMessage(HOLDER_PID_PARAMETER, String(options.holderPid)),
        readyForQueryMessage('I'),
      ]),
    );
  };

  const subscribe = (conn: Connection, channel: string): void => {
    if (conn.subscriptions.has(channel)) return;
    const deliver = (notification: Notification): void => write(conn, notificationMessage(notification));
    conn.subscriptions.set(channel, hub.subscribe(channel, deliver));
    hub.listened.add(channel);
  };

  const handle = async (conn: Connection, messages: FrontendMessage[]): Promise<void> => {
    let batch: Buffer[] = [];
    let lastType = '';
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const pending = batch;
      batch = [];
      write(conn, await run(conn, pending, lastType));
    };
    for (const message of messages) {
      if (conn.closed) return;
      if (message.kind === 'encryption-request') write(conn, Buffer.from('N'));
      else if (message.kind === 'cancel') conn.socket.destroy();
      else if (message.kind === 'startup') await answerStartup(conn);
      else if (message.type === 'X') {
        await flush();
        conn.socket.end();
        return;
      } else {
        const listen = message.type === 'Q' ? listenCommand(queryText(message.bytes)) : null;
        if (!listen) {
          batch.push(message.bytes);
          lastType = message.type;
          continue;
        }
        await flush();
        if (listen.command === 'LISTEN') {
          const answer = await run(conn, [message.bytes], 'Q');
          if (![...backendMessages(answer)].some((m) => m.type === 'E')) subscribe(conn, listen.channel);
          write(conn, answer);
        } else {
          const channels = listen.channel === '*' ? [...conn.subscriptions.keys()] : [listen.channel];
          for (const channel of channels) {
            conn.subscriptions.get(channel)?.();
            conn.subscriptions.delete(channel);
          }
          write(conn, Buffer.concat([commandCompleteMessage('UNLISTEN'), readyForQueryMessage(conn.status)]));
        }
      }
    }
    await flush();
  };

  const pump = async (conn: Connection): Promise<void> => {
    while (!conn.closed) {
      const split = splitFrontend(conn.input, conn.started);
      if (split.messages.length === 0) return;
      conn.input = split.rest;
      conn.started = split.started;
      await handle(conn, split.messages);
    }
  };

  const kick = (conn: Connection): void => {
    if (conn.pumping || conn.closed) return;
    conn.pumping = pump(conn)
      .catch((error: unknown) => {
        log.warn(
          { err: safeError(error) },
          'embedded database: dropping a client connection after a protocol error',
        );
        write(conn, fatalMessage('08P01', `conveyor embedded database: ${(error as Error).message}`));
        conn.socket.destroy();
      })
      .finally(() => {
        conn.pumping = null;
      });
  };

  const finish = (conn: Connection): Promise<void> => {
    conn.finished ??= (async () => {
      conn.closed = true;
      if (conn.idleTimer) clearTimeout(conn.idleTimer);
      conn.idleTimer = null;
      for (const unsubscribe of conn.subscriptions.values()) unsubscribe();
      conn.subscriptions.clear();
      await conn.pumping;
      if (conn.release) {
        if (conn.dirty) {
          await exec(RESET).catch((error: unknown) =>
            log.warn({ err: safeError(error) }, 'embedded database: could not roll back a lost connection'),
          );
        }
        conn.release();
        conn.release = null;
      }
      connections.delete(conn);
    })();
    return conn.finished;
  };

  const accept = (socket: Socket): void => {
    if (!serving) {
      socket.destroy();
      return;
    }
    const conn: Connection = {
      socket,
      input: Buffer.alloc(0),
      started: false,
      release: null,
      dirty: false,
      status: 'I',
      idleTimer: null,
      subscriptions: new Map(),
      closed: false,
      pumping: null,
      finished: null,
    };
    connections.add(conn);
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      conn.input = conn.input.length === 0 ? chunk : Buffer.concat([conn.input, chunk]);
      kick(conn);
    });
    socket.on('error', () => {}); // 'close' follows and cleans up
    socket.on('close', () => void finish(conn));
    socket.resume();
  };

  options.server.removeAllListeners('connection');
  options.server.on('connection', accept);
  for (const socket of options.parked.splice(0)) accept(socket);

  return {
    async prepare() {
      await takeStartupReply();
    },
    get connections() {
      return connections.size;
    },
    async stopServing() {
      serving = false;
      const open = [...connections];
      for (const conn of open) conn.socket.destroy();
      await Promise.all(open.map((conn) => finish(conn)));
    },
  };
}
