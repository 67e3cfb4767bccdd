/**
 * The holder's PGlite session served over the folder's socket: exchanges of many clients and of
 * the holder itself never interleave, a vanished client's work is rolled back, and notifications
 * reach every listener in every process (the socket clients here are real node-postgres clients
 * and raw protocol sockets).
 */
import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type FolderDriver, openFolderDriver } from '../../src/store/pglite/folder-driver.ts';
import { folderEndpoint } from '../../src/store/pglite/folder-endpoint.ts';
import {
  backendMessages,
  errorField,
  readyStatus,
  simpleQueryMessage,
  startupMessage,
} from '../../src/store/pglite/wire-messages.ts';
import { testLogger } from '../support/silent-logger.ts';
import { useFolders } from './folders.ts';

const folders = useFolders();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function holderOn(dir: string, idleInTransactionMs?: number): Promise<FolderDriver> {
  const holder = await openFolderDriver({
    dataDir: dir,
    poolSize: 4,
    logger: testLogger,
    ...(idleInTransactionMs === undefined ? {} : { timing: { idleInTransactionMs } }),
  });
  cleanups.push(() => holder.close());
  expect(holder.role).toBe('holder');
  return holder;
}

function pool(dir: string, max: number): pg.Pool {
  const clients = new pg.Pool({ connectionString: folderEndpoint(dir).connectionString, max });
  cleanups.push(() => clients.end());
  return clients;
}

/** A protocol-level client: sends raw messages, reads whole answers. */
async function rawClient(dir: string): Promise<{
  send(bytes: Buffer): void;
  /** Resolves with the messages received up to and including the next one of `type`. */
  until(type: string): Promise<{ type: string; bytes: Buffer }[]>;
  socket: Socket;
}> {
  const socket = connect(folderEndpoint(dir).socketPath);
  cleanups.push(async () => socket.destroy());
  let buffered = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  const until = async (type: string) => {
    for (;;) {
      const messages = [...backendMessages(buffered)];
      const at = messages.findIndex((m) => m.type === type);
      if (at >= 0) {
        const taken = messages.slice(0, at + 1);
        const used = taken.reduce((n, m) => n + m.bytes.length, 0);
        buffered = buffered.subarray(used);
        return taken.map((m) => ({ type: m.type, bytes: Buffer.from(m.bytes) }));
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(startupMessage({ user: 'postgres', database: 'postgres' }));
  await until('Z');
  return { send: (bytes) => socket.write(bytes), until, socket };
}

/** Extended-protocol messages for one parameterless statement, without Sync. */
function parseBindExecute(sql: string): Buffer {
  const message = (type: string, body: Buffer): Buffer => {
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeInt32BE(4 + body.length, 1);
    return Buffer.concat([header, body]);
  };
  const cstr = (text: string): Buffer => Buffer.from(`${text}\0`);
  const int16 = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(n);
    return b;
  };
  const int32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  return Buffer.concat([
    message('P', Buffer.concat([cstr(''), cstr(sql), int16(0)])),
    message('B', Buffer.concat([cstr(''), cstr(''), int16(0), int16(0), int16(0)])),
    message('E', Buffer.concat([cstr(''), int32(0)])),
  ]);
}

describe('the folder session served over its socket', () => {
  it('keeps every exchange whole: many connections and the holder, large and small statements at once', async () => {
    const dir = await folders.fresh();
    const holder = await holderOn(dir);
    const clients = pool(dir, 8);
    // A 300 kB parameter arrives in several reads, so its Parse and Bind reach the server apart.
    const big = 'x'.repeat(300_000);
    const outcomes = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        if (i % 5 === 0) {
          const [row] = await holder.query('', `SELECT $1::int AS n, 'holder' AS who`, [i]);
          return row?.n === i && row?.who === 'holder';
        }
        if (i % 3 === 0) {
          const { rows } = await clients.query('SELECT length($1::text) AS len, $2::int AS n', [big, i]);
          return rows[0]?.len === big.length && rows[0]?.n === i;
        }
        const { rows } = await clients.query(`SELECT $1::int AS n, 'small ${i}' AS label`, [i]);
        return rows[0]?.n === i && rows[0]?.label === `small ${i}`;
      }),
    );
    expect(outcomes.filter((ok) => !ok)).toEqual([]);
  });

  it('runs nothing inside a client transaction but the client, and rolls back a client that vanishes', async () => {
    const dir = await folders.fresh();
    const holder = await holderOn(dir);
    await holder.query('', 'CREATE TABLE seen (v text)', []);

    const tx = await rawClient(dir);
    tx.send(simpleQueryMessage('BEGIN'));
    await tx.until('Z');
    tx.send(simpleQueryMessage(`INSERT INTO seen VALUES ('committed')`));
    await tx.until('Z');
    let settled = false;
    const counted = holder.query('', 'SELECT count(*)::int AS n FROM seen', []).then((rows) => {
      settled = true;
      return rows[0]?.n;
    });
    tx.send(simpleQueryMessage('SELECT 1'));
    const answer = await tx.until('Z');
    expect(readyStatus(answer.at(-1)!.bytes)).toBe('T');
    expect(settled).toBe(false); // the holder's statement waits for the client's transaction
    tx.send(simpleQueryMessage('COMMIT'));
    await tx.until('Z');
    expect(await counted).toBe(1);

    // Vanishes inside a transaction block.
    const quitter = await rawClient(dir);
    quitter.send(simpleQueryMessage('BEGIN'));
    await quitter.until('Z');
    quitter.send(simpleQueryMessage(`INSERT INTO seen VALUES ('in an abandoned transaction')`));
    await quitter.until('Z');
    quitter.socket.destroy();
    // Vanishes after Parse/Bind/Execute, before Sync (the statement ran, its implicit transaction is open).
    const halfway = await rawClient(dir);
    halfway.send(parseBindExecute(`INSERT INTO seen VALUES ('before Sync')`));
    await halfway.until('C');
    halfway.socket.destroy();

    const rows = await holder.query('', 'SELECT v FROM seen ORDER BY v', []);
    expect(rows).toEqual([{ v: 'committed' }]);
    const clients = pool(dir, 2);
    expect((await clients.query('SELECT count(*)::int AS n FROM seen')).rows).toEqual([{ n: 1 }]);
  });

  it('ends a client that keeps the session idle inside a transaction, so the others carry on', async () => {
    const dir = await folders.fresh();
    const holder = await holderOn(dir, 300);
    const stuck = await rawClient(dir);
    stuck.send(simpleQueryMessage('BEGIN'));
    await stuck.until('Z');
    // The holder's statement waits for the session, which the stuck client gives up after 300 ms.
    expect(await holder.query('', 'SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
    const ended = await stuck.until('E');
    expect(errorField(ended.at(-1)!.bytes, 'C')).toBe('25P03');
    expect(errorField(ended.at(-1)!.bytes, 'M')).toMatch(/held the embedded database idle/);
  });

  it('lets clients in while the holder runs statements back to back', async () => {
    const dir = await folders.fresh();
    const holder = await holderOn(dir);
    await holder.query('', 'CREATE TABLE busy (n int)', []);
    // PGlite settles in-process calls in microtasks: without turns, this loop never lets the
    // event loop accept the client's connection, let alone read its queries (nor run a timer:
    // hence a bound on the loop instead of a timeout, so that failure ends the test).
    const BOUND = 20_000;
    let committed = 0;
    let committedWhenAnswered: number | null = null;
    const busy = (async () => {
      while (committedWhenAnswered === null && committed < BOUND) {
        await holder.transaction(async (session) => {
          await session.query('INSERT INTO busy VALUES ($1)', [committed]);
        });
        committed += 1;
      }
    })();
    const clients = pool(dir, 2);
    const answers = await Promise.all(
      [1, 2, 3].map(async (n) => (await clients.query('SELECT $1::int AS n', [n])).rows),
    );
    committedWhenAnswered = committed;
    await busy;
    expect(answers).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]]);
    expect(committedWhenAnswered).toBeLessThan(BOUND); // answered while the holder was busy
  });

  it('delivers a notification to every listener, in process and over the socket, whoever sent it', async () => {
    const dir = await folders.fresh();
    const holder = await holderOn(dir);
    const heardByHolder: string[] = [];
    let holderHeard: () => void = () => {};
    const holderHeardTwo = new Promise<void>((resolve) => {
      holderHeard = resolve;
    });
    const stop = await holder.listen(
      { news: (payload) => heardByHolder.push(payload) === 2 && holderHeard() },
      () => {},
    );
    cleanups.push(stop);
    const { connectionString } = folderEndpoint(dir);
    const listener = new pg.Client({ connectionString });
    const sender = new pg.Client({ connectionString });
    cleanups.push(
      () => listener.end(),
      () => sender.end(),
    );
    await listener.connect();
    await sender.connect();
    const heardByListener: string[] = [];
    const heardBySender: string[] = [];
    const listenerHeardTwo = new Promise<void>((resolve) =>
      listener.on('notification', (n) => heardByListener.push(n.payload ?? '') === 2 && resolve()),
    );
    sender.on('notification', (n) => heardBySender.push(n.payload ?? ''));
    await listener.query('LISTEN news');

    const sent = await sender.query(`SELECT pg_notify('news', 'from a socket client') AS sent, 7 AS n`);
    expect(sent.rows).toEqual([{ sent: '', n: 7 }]); // the answer around the notification is intact
    await holder.transaction(async (session) => {
      await session.query(`SELECT pg_notify('news', 'from the holder')`);
    });
    await Promise.all([holderHeardTwo, listenerHeardTwo]);
    expect(heardByHolder.sort()).toEqual(['from a socket client', 'from the holder']);
    expect(heardByListener.sort()).toEqual(['from a socket client', 'from the holder']);
    await sender.query('SELECT 1'); // anything misdelivered to the sender has arrived by now
    expect(heardBySender).toEqual([]);

    await listener.query('UNLISTEN news');
    await sender.query(`SELECT pg_notify('news', 'after unlisten')`);
    await listener.query('SELECT 1');
    expect(heardByListener).toHaveLength(2);
  });
});
