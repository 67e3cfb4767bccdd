/**
 * Finds and runs PostgreSQL's own pgbench: the most generous client a queue's SQL can have (C and
 * libpq, prepared statements, no driver, no event loop). A run's figure is pgbench's line
 * `tps = N (without initial connection time)`; a run without it, or one that exits non-zero (a
 * client aborted on an error), fails with pgbench's stderr.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Where Debian and Ubuntu install each server version's programs: /usr/lib/postgresql/<version>/bin. */
const SERVER_VERSIONS_DIR = '/usr/lib/postgresql';
const TPS_LINE = /^tps = ([\d.]+) \(without initial connection time\)$/m;
const TRANSACTIONS_LINE = /^number of transactions actually processed: (\d+)/m;

export interface PgbenchRun {
  /** What the run is, for error messages: "drain ceiling, 2 clients". */
  label: string;
  /** The pgbench script: SQL statements ending in `;`, `:client_id` for the client's number. */
  script: string;
  clients: number;
  /** pgbench worker threads (`-j`). */
  threads: number;
  seconds: number;
}

export interface PgbenchFigure {
  /** Transactions (script runs) per second, without the initial connection time. */
  tps: number;
  transactions: number | null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** pgbench on PATH, else under the newest /usr/lib/postgresql/<version>/bin. */
export function findPgbench(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'pgbench');
    if (isExecutable(file)) return file;
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(SERVER_VERSIONS_DIR);
  } catch {}
  versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const version of versions) {
    const file = path.join(SERVER_VERSIONS_DIR, version, 'bin', 'pgbench');
    if (isExecutable(file)) return file;
  }
  throw new Error(
    `pgbench not found on PATH or under ${SERVER_VERSIONS_DIR}/*/bin. Install PostgreSQL's client programs (Debian/Ubuntu: apt-get install postgresql-client; some packagings ship pgbench with the server, postgresql-<version>), or add the server's bin directory to PATH.`,
  );
}

interface Finished {
  stdout: string;
  stderr: string;
  /** Why the process did not exit with 0, or null. */
  failure: string | null;
}

function execute(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        let failure: string | null = null;
        if (error?.killed) failure = `was stopped after ${timeoutMs / 1000} s`;
        else if (error) failure = `failed (exit code ${error.code ?? 'unknown'})`;
        resolve({ stdout, stderr, failure });
      },
    );
  });
}

export async function pgbenchVersion(pgbench: string): Promise<string> {
  const { stdout, stderr, failure } = await execute(pgbench, ['--version'], {}, 10_000);
  if (failure) throw new Error(`${pgbench} --version ${failure}: ${stderr.trim()}`);
  return stdout.trim();
}

/**
 * pgbench's connection flags for a postgres:// URL (host, port, user, database), passed as
 * arguments rather than through a shell; a password goes in PGPASSWORD, never on the command line.
 */
function connectionOf(url: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const args: string[] = [];
  if (u.hostname) args.push('-h', u.hostname.replace(/^\[(.*)\]$/, '$1'));
  if (u.port) args.push('-p', u.port);
  if (u.username) args.push('-U', decodeURIComponent(u.username));
  args.push(decodeURIComponent(u.pathname.slice(1)));
  const env: NodeJS.ProcessEnv = u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {};
  return { args, env };
}

/** One timed pgbench run of `run.script` (`-n -M prepared`, no initialisation, no vacuum). */
export async function runPgbench(pgbench: string, url: string, run: PgbenchRun): Promise<PgbenchFigure> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'conveyor-ceilings-'));
  try {
    const script = path.join(dir, 'script.sql');
    await writeFile(script, run.script);
    const connection = connectionOf(url);
    const args = [
      '-n',
      '-M',
      'prepared',
      '-f',
      script,
      '-c',
      String(run.clients),
      '-j',
      String(run.threads),
      '-T',
      String(run.seconds),
      ...connection.args,
    ];
    const { stdout, stderr, failure } = await execute(
      pgbench,
      args,
      connection.env,
      (run.seconds + 120) * 1000,
    );
    const tps = stdout.match(TPS_LINE)?.[1];
    if (failure || tps === undefined) {
      const why = failure ?? 'printed no "tps = N (without initial connection time)" line';
      throw new Error(`pgbench (${run.label}) ${why}; its stderr:\n${stderr.trim() || '(empty)'}`);
    }
    const transactions = stdout.match(TRANSACTIONS_LINE)?.[1];
    return { tps: Number(tps), transactions: transactions === undefined ? null : Number(transactions) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
