import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { CONTENDERS } from './contenders/index.ts';
import type { Mode, Sizes } from './sizes.ts';
import { postgresMeta, redisMeta } from './stores.ts';

const BENCH = new URL('..', import.meta.url);

function versionOf(pkg: string): string | null {
  const path = new URL(`node_modules/${pkg}/package.json`, BENCH);
  if (!existsSync(path)) return null;
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

function conveyorVersion(): string {
  const root = new URL('../', BENCH);
  const version = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string })
    .version;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', root.pathname, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
    }).trim();
  } catch {}
  return `${version} (working tree at ${commit}, dist/ built locally)`;
}

export async function collectMeta(mode: Mode, sizes: Sizes, unavailable: Record<string, string>) {
  return {
    mode,
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    postgres: await postgresMeta(),
    redis: await redisMeta(),
    packages: {
      'graphile-worker': versionOf('graphile-worker'),
      'pg-boss': versionOf('pg-boss'),
      bullmq: versionOf('bullmq'),
      ioredis: versionOf('ioredis'),
      pg: versionOf('pg'),
      conveyor: conveyorVersion(),
    },
    contenders: Object.fromEntries(
      CONTENDERS.map((c) => [
        c.key,
        { backend: c.backend, settings: c.settings, fairness: c.fairness, crashRecovery: c.recovery },
      ]),
    ),
    unavailable,
    availability: [
      'bullmq-postgres: `npm view bullmq` shows bullmq 6.x with optional peer `pg`; the bullmq package itself ships the official PostgreSQL backend (createPostgresBackend, runMigrations), so it is measured, not skipped.',
      'graphile-worker: the open-source edition releases jobs locked by a dead worker only after 4 h (faster recovery is Graphile Worker Pro), so its crash figure is null within the window.',
    ],
    sizes,
    method: [
      'Every contender runs under the same Node binary (bench/node_modules/.bin/node), in one child process (its session) that does all its runs, replaced when a run fails.',
      'Per workload and contender: a store of its own, created when the workload starts and dropped when it ends: a fresh database bench_<contender>_<workload>, the flushed Redis db, or a PGlite dir copied from an empty migrated template. The crash workload gets a fresh store for every run.',
      "The store is reused across the runs of its workload: each run tops the queue up to the workload size (drainJobs ready jobs, the big tenant's fairnessFlood) instead of refilling it; jobs a capped run left stay queued and count toward that size. Fills use the bulk API in batches of 1,000 from prefillProducers concurrent producers, untimed, followed by VACUUM ANALYZE (PostgreSQL stores) so the planner sees the table as autovacuum would have it and no dead rows from the store's earlier runs remain.",
      'backlog: the first run of each contender (the warm-up) drains backlogReady ready jobs on the still-empty store (the empty-table baseline), then queues backlogDelayed far-future jobs once; every counted run tops the ready jobs up to backlogReady and drains them beside that backlog. backlog_share = that rate / the baseline.',
      'Drain windows (drain_*, backlog) end when every queued job ran or drainCapSeconds after the worker start (start-up included): throughput = jobs started within the window / its length. A capped run is marked capped: true with the completed count; what it left is read back from the contender (pending()) after a graceful stop, so lost = enqueued - distinct completed - pending.',
      'fairness ends when every small-tenant job started or at fairnessCapSeconds; when capped, jobs not started count with the wait they had reached, so the p99 is a lower bound (capped: true).',
      'Contenders alternate round-robin within each run index, starting one later each run, so drift hits all alike.',
      'value = median of counted runs; min/max over counted runs; lost/duplicated summed over counted runs; a contender that lost a job is failed.',
      'Payloads are ~100-byte JSON objects; handlers are no-ops that record the job key.',
      'Latency = handler start - the moment enqueue was called (producer and worker in one process).',
      'Enqueue runs then drain what is queued (untimed, verifyCapSeconds at most) and count the rest with pending().',
      "crash: worker 2's process is started (idle) before worker 1 is killed; its worker starts right after the kill. Jobs still stored after the window are reported as not run within it, not as lost.",
    ],
  };
}
