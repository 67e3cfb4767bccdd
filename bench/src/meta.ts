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
      'Every measured run is a fresh child process under the same Node binary (bench/node_modules/.bin/node).',
      'Every run gets a fresh database bench_<contender>_<workload> (dropped after), a flushed Redis db, or an empty PGlite dir.',
      'Contenders alternate round-robin within each run index, starting one later each run, so drift hits all alike.',
      'value = median of counted runs; min/max over counted runs; lost/duplicated summed over counted runs.',
      'Payloads are ~100-byte JSON objects; handlers are no-ops that record the job key.',
      'Latency = handler start - the moment enqueue was called (producer and worker in one process).',
      'Drain timing starts when the worker is started (its start-up is included) and ends at the last handler start.',
      'Enqueue runs drain what they queued afterwards (untimed) to count lost and duplicated jobs.',
    ],
  };
}
