/**
 * A PostgreSQL server of the test's own: its own data directory (under the system temp folder) and
 * port, listening on 127.0.0.1 only, so a test can stop, crash, freeze or restart it without
 * touching the shared server on 5432 or any other test file's.
 *
 * Binaries come from PG_BIN (default /usr/lib/postgresql/15/bin). initdb refuses to run as root, so
 * under root (CI, .ci/run) every server command runs as the `postgres` OS user through `runuser`;
 * as anyone else it runs as that user. Linux only (pause/kill find the server's processes in /proc).
 *
 * Auth: the superuser `postgres` connects without a password (`adminUrl`, for setup and
 * assertions); the role `conveyor_app` needs its password (SCRAM), and `url` carries it, as a
 * production DATABASE_URL would. fsync is off: a killed server still recovers (the OS does not
 * crash), and tests stay fast.
 *
 * Cleanup is guaranteed three ways: `stop` in afterAll (usePrivatePostgres), a synchronous
 * immediate shutdown on process exit, and a sweep at each start of servers whose owner process is
 * gone (a test runner killed with SIGKILL leaves them behind).
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PREFIX = 'conveyor-pg-';
export const APP_USER = 'conveyor_app';
export const APP_DATABASE = 'conveyor';

export interface PrivatePostgres {
  readonly port: number;
  readonly dataDir: string;
  /** The superuser, no password, database `postgres`. */
  readonly adminUrl: string;
  /** The app role with its password, database `conveyor`. */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  /** Stops the server (`fast`: sessions are terminated, like a restart by an operator). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again (crash recovery runs after `kill`). */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGKILLs the postmaster and every backend: a crash. `start()` recovers. */
  kill(): Promise<void>;
  /** SIGSTOPs every server process: connections are still accepted by the kernel, nothing answers. */
  pause(): void;
  /** SIGCONTs them: the server answers again, including what queued up meanwhile. */
  resume(): void;
  /** Stops the server for good and deletes its data directory. */
  destroy(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** argv for a server command: as `postgres` under root, else as this user. */
function command(binary: string, args: string[]): [string, string[]] {
  const path = join(BIN, binary);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

async function pgCommand(binary: string, args: string[]): Promise<void> {
  const [file, argv] = command(binary, args);
  try {
    await run(file, argv, { timeout: 60_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${binary} ${args.join(' ')} failed: ${String(error)}\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** Whether the process exists and is not a zombie (a killed server process nobody has reaped yet). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The postmaster's pid (first line of postmaster.pid), or null when it is not running. */
function postmasterPid(dataDir: string): number | null {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/** Direct children of `parent` (the backends and auxiliary processes of a postmaster). */
function childrenOf(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

function signalServer(dataDir: string, signal: NodeJS.Signals): number[] {
  const pid = postmasterPid(dataDir);
  if (pid === null) return [];
  const pids = [pid, ...childrenOf(pid)];
  for (const target of pids) {
    try {
      process.kill(target, signal);
    } catch {
      // Already gone.
    }
  }
  return pids;
}

/** Synchronous last-resort shutdown (process exit, stale sweep): wake, stop at once, delete. */
function shutdownNow(root: string): void {
  const dataDir = join(root, 'data');
  if (postmasterPid(dataDir) !== null) {
    signalServer(dataDir, 'SIGCONT');
    const [file, argv] = command('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, argv, { stdio: 'ignore', timeout: 30_000 });
  }
  rmSync(root, { recursive: true, force: true });
}

/** Servers left by test processes that died without cleaning up (their owner pid is in the name). */
function sweepStale(): void {
  for (const entry of readdirSync(tmpdir())) {
    const owner = entry.startsWith(PREFIX) ? Number(entry.slice(PREFIX.length).split('-')[0]) : NaN;
    if (Number.isInteger(owner) && owner !== process.pid && !alive(owner)) shutdownNow(join(tmpdir(), entry));
  }
}

const live = new Set<string>();
process.once('exit', () => {
  for (const root of live) shutdownNow(root);
});

/** Creates, configures and starts a private server. */
/**
 * Starts a server of its own. `settings` adds lines to its postgresql.auto.conf (e.g.
 * `{ autovacuum_naptime: '1s' }`: a server restarted every few seconds by a soak otherwise never
 * runs autovacuum, whose first round waits a naptime after each start).
 */
export async function startPrivatePostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  sweepStale();
  const root = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  live.add(root);
  const dataDir = join(root, 'data');
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  try {
    if (asRoot) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      chownSync(root, uid, gid);
    }
    await pgCommand('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
      '--no-instructions',
    ]);
    // TCP only, on loopback; the superuser without a password, everyone else with one.
    writeFileSync(
      join(dataDir, 'pg_hba.conf'),
      'host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
    );
    writeFileSync(
      join(dataDir, 'postgresql.auto.conf'),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        "unix_socket_directories = ''",
        'fsync = off',
        'full_page_writes = off',
        'max_connections = 60',
        'shared_buffers = 32MB',
        "log_min_messages = 'fatal'",
        ...Object.entries(settings).map(([name, value]) => `${name} = '${value.replaceAll("'", "''")}'`),
        '',
      ].join('\n'),
    );
  } catch (error) {
    shutdownNow(root);
    live.delete(root);
    throw error;
  }

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const logFile = join(root, 'server.log');
  const start = (): Promise<void> =>
    pgCommand('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', 'start']).catch((error: Error) => {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2_000) : '';
      throw new Error(`${error.message}\nserver log:\n${log}`);
    });
  const stop = (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    if (postmasterPid(dataDir) === null) return Promise.resolve();
    signalServer(dataDir, 'SIGCONT');
    return pgCommand('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  };

  await start();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE ROLE ${APP_USER} LOGIN PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE ${APP_DATABASE} OWNER ${APP_USER}`);
  } finally {
    await admin.end();
  }

  return {
    port,
    dataDir,
    adminUrl,
    url: `postgres://${APP_USER}:${password}@127.0.0.1:${port}/${APP_DATABASE}`,
    user: APP_USER,
    password,
    stop,
    start,
    async restart() {
      await stop('fast');
      await start();
    },
    async kill() {
      const pids = signalServer(dataDir, 'SIGKILL');
      // Wait until every process is dead (orphaned backends would keep the shared memory in use).
      for (let i = 0; i < 1_000 && pids.some(alive); i += 1) await new Promise((r) => setTimeout(r, 10));
      // A dead postmaster nobody has reaped yet (a container's init may reap late) still answers
      // kill(pid, 0), so PostgreSQL would take its lock file for a live server's: remove it.
      if (postmasterPid(dataDir) === null) rmSync(join(dataDir, 'postmaster.pid'), { force: true });
    },
    pause() {
      signalServer(dataDir, 'SIGSTOP');
    },
    resume() {
      signalServer(dataDir, 'SIGCONT');
    },
    async destroy() {
      if (!live.has(root)) return;
      try {
        await stop('immediate');
      } finally {
        rmSync(root, { recursive: true, force: true });
        live.delete(root);
      }
    },
  };
}

/** A private server for one test file: started in beforeAll, destroyed in afterAll. */
export function usePrivatePostgres(): { readonly server: PrivatePostgres } {
  let server: PrivatePostgres | null = null;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });
  return {
    get server() {
      if (!server) throw new Error('private PostgreSQL not started yet (use inside tests)');
      return server;
    },
  };
}
