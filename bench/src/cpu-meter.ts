/**
 * CPU per job (issue 17): the CPU time spent over a measured window by the database server, the
 * contender's own processes, and Redis for the Redis contenders, divided by the jobs of the window.
 * On a machine where workers and database share two cores, throughput is CPU per job turned upside
 * down, and noise moves CPU time far less than it moves throughput.
 *
 * - Database: the PostgreSQL cluster the bench uses, found by the postmaster pid in its socket lock
 *   file. Its time is the postmaster's own plus its reaped children's (cutime/cstime: a backend that
 *   exited during the window is counted there) plus every live child's. Everything the server does
 *   is counted: backends, WAL writer, checkpointer, autovacuum. Other databases on the same server
 *   count too, so bench on a quiet server.
 * - Redis: the redis-server process on the target's port (its threads are in its stat).
 * - Client: this process (process.cpuUsage, µs) plus any worker process pids the workload names.
 * An embedded store (PGlite) runs inside the client: its database time is client time.
 *
 * Linux only (/proc); elsewhere every figure is null.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 10_000; // USER_HZ is 100 on Linux

interface ProcTimes {
  /** utime + stime of the process itself, in ticks. */
  own: number;
  /** cutime + cstime: reaped children, in ticks. */
  children: number;
  ppid: number;
}

function readStat(pid: number): ProcTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14 → index 11
    return {
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      children: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null;
  }
}

function processIds(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

function postmasterPid(port: number): number | null {
  for (const dir of ['/var/run/postgresql', '/tmp']) {
    try {
      const pid = Number(readFileSync(`${dir}/.s.PGSQL.${port}.lock`, 'utf8').split('\n')[0]);
      if (pid > 0 && readStat(pid)) return pid;
    } catch {}
  }
  return null;
}

/** The server's CPU so far, in ticks: postmaster + reaped children + live children. */
function serverTicks(postmaster: number): number | null {
  const root = readStat(postmaster);
  if (!root) return null;
  let total = root.own + root.children;
  for (const pid of processIds()) {
    if (pid === postmaster) continue;
    const stat = readStat(pid);
    if (stat?.ppid === postmaster) total += stat.own;
  }
  return total;
}

function redisPid(port: number): number | null {
  for (const pid of processIds()) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'redis-server') continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(`:${port}`) || cmdline.includes(`--port\0${port}`)) return pid;
    } catch {}
  }
  return null;
}

export interface CpuPerJob {
  cpu_us_per_job: number | null;
  db_us_per_job: number | null;
  client_us_per_job: number | null;
}

export interface CpuMeterOptions {
  backend: 'postgres' | 'redis' | 'pglite';
  pgUrl: string;
  redisPort: number;
  /** Other processes of the contender (worker processes), read at start and stop. */
  clientPids?: () => number[];
}

export interface CpuMeter {
  /** CPU per job over the window since start, for `jobs` jobs. */
  stop(jobs: number): CpuPerJob;
}

export function startCpuMeter(options: CpuMeterOptions): CpuMeter {
  const port = Number(new URL(options.pgUrl).port || 5432);
  const postmaster = options.backend === 'postgres' ? postmasterPid(port) : null;
  const redis = options.backend === 'redis' ? redisPid(options.redisPort) : null;
  const databaseTicks = (): number | null => {
    if (options.backend === 'pglite') return 0;
    if (options.backend === 'redis') return redis === null ? null : (readStat(redis)?.own ?? null);
    return postmaster === null ? null : serverTicks(postmaster);
  };
  const workerTicks = (): number =>
    (options.clientPids?.() ?? []).reduce((sum, pid) => sum + (readStat(pid)?.own ?? 0), 0);

  const db0 = databaseTicks();
  const own0 = process.cpuUsage();
  const workers0 = workerTicks();
  return {
    stop(jobs) {
      const db1 = databaseTicks();
      const own = process.cpuUsage(own0);
      const clientUs = own.user + own.system + (workerTicks() - workers0) * TICK_US;
      const dbUs = db0 === null || db1 === null ? null : (db1 - db0) * TICK_US;
      if (jobs <= 0) return { cpu_us_per_job: null, db_us_per_job: null, client_us_per_job: null };
      const round = (us: number) => Math.round((us / jobs) * 10) / 10;
      return {
        cpu_us_per_job: dbUs === null ? null : round(dbUs + clientUs),
        db_us_per_job: dbUs === null ? null : round(dbUs),
        client_us_per_job: round(clientUs),
      };
    },
  };
}
