/**
 * The soak (issue 12): a million jobs through two worker processes while faults are injected every
 * few seconds, on a PostgreSQL server of the soak's own (test/support/private-postgres.ts: its own
 * data folder and port, never the shared server). It reports what a team running Conveyor for
 * weeks cares about: jobs lost (must be 0), jobs run twice (at-least-once allows a few, after a
 * crash), and the workers' memory over time (must stay flat).
 *
 *   npm run soak -- [--jobs=1000000] [--rate=4000] [--workers=2] [--concurrency=50] [--fault-every=5]
 *                   [--no-build] [--out=results/soak.json]
 *
 * The producer enqueues at most `rate` jobs a second (default 4,000: a million take ~4 minutes,
 * ~50 faults), so memory is seen over minutes, not the seconds a full-speed drain takes.
 * Faults, in turn: the last worker SIGKILLed (and started again; worker 0 is never killed, so its
 * memory is seen over the whole soak), every database connection terminated,
 * the server restarted (fast shutdown), the server frozen for 3 s (SIGSTOP, then SIGCONT), the
 * server crashed (SIGKILL of every server process, then crash recovery).
 * Ledger: each worker appends `<n> <job id>` per handler run to its own file with a synchronous
 * write (a SIGKILL loses no line); the producer enqueues n = 0 … jobs−1 with a unique key per n,
 * so an enqueue retried after an ambiguous commit does not make a second job.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPrivatePostgres } from '../../../test/support/private-postgres.ts';
import { progress, whole } from '../progress.ts';

const BENCH = new URL('../../', import.meta.url);
const ROOT = new URL('../', BENCH);
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const JOBS = Number(args.get('jobs') ?? 1_000_000);
const WORKERS = Number(args.get('workers') ?? 2);
const CONCURRENCY = Number(args.get('concurrency') ?? 50);
const FAULT_EVERY_MS = Number(args.get('fault-every') ?? 5) * 1_000;
/** Jobs enqueued per second at most: a steady stream long enough to see memory over time. */
const RATE = Number(args.get('rate') ?? 4_000);
const OUT = args.get('out') ?? new URL('results/soak.json', BENCH).pathname;
/** Ready jobs the producer keeps queued at most: a steady stream, not one huge table. */
const MAX_BACKLOG = 50_000;
const BATCH = 1_000;
const FAULTS = ['kill-worker', 'terminate-connections', 'restart-db', 'pause-db', 'crash-db'] as const;
type FaultKind = (typeof FAULTS)[number];

interface Sample {
  t: number;
  rssMb: number;
  heapMb: number;
}
interface Incarnation {
  slot: number;
  index: number;
  pid: number;
  startedAt: number;
  endedAt: number | null;
  ledgerPath: string;
  offset: number;
  rest: string;
  samples: Sample[];
  child: ChildProcess;
}

const DIST = new URL('dist/index.js', ROOT);
interface ProducerConveyor {
  migrate(): Promise<unknown>;
  enqueueMany(
    job: unknown,
    items: { payload: { n: number }; options: Record<string, unknown> }[],
  ): Promise<unknown>;
  stats(): Promise<{ queue: string; counts: Record<string, number> }[]>;
  close(): Promise<void>;
}
interface ConveyorModule {
  createLogger(options: { level?: string }): unknown;
  createConveyor(options: Record<string, unknown>): ProducerConveyor;
  defineJob(definition: Record<string, unknown>): unknown;
}

const secondsSince = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  if (args.get('build') !== 'false' && !args.has('no-build')) {
    progress('building Conveyor (npm run build in the repo root)');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  const { createConveyor, createLogger, defineJob } = (await import(DIST.href)) as ConveyorModule;
  progress('starting a PostgreSQL server of the soak’s own');
  // The faults restart the server every ~12 s; autovacuum's first round after a start waits a
  // naptime (1 min by default), so it would never run and the jobs table would bloat without end
  // (seen: 263 MB for 50k live rows, claims 70–100 ms, the drain down from 10k to 700 jobs/s).
  // Production servers do not restart every few seconds; a 1 s naptime gives vacuum its turn.
  const server = await startPrivatePostgres({ autovacuum_naptime: '1s' });
  const dir = mkdtempSync(join(os.tmpdir(), 'conveyor-soak-'));
  const t0 = performance.now();
  const incarnations: Incarnation[] = [];
  const faults: { at: number; kind: FaultKind; ms: number }[] = [];
  const executions = new Uint16Array(JOBS);
  const firstId = new Float64Array(JOBS);
  let distinct = 0;
  let duplicateRuns = 0;
  let duplicateJobs = 0;
  let stopping = false;

  const spawnWorker = (slot: number): Incarnation => {
    const index = incarnations.filter((i) => i.slot === slot).length;
    const ledgerPath = join(dir, `worker-${slot}-${index}.log`);
    writeFileSync(ledgerPath, '');
    const child = fork(new URL('./soak-worker.ts', import.meta.url), [], {
      execArgv: ['--experimental-strip-types', '--no-warnings'],
      env: { ...process.env, DATABASE_URL: server.url, LEDGER: ledgerPath, CONCURRENCY: String(CONCURRENCY) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const incarnation: Incarnation = {
      slot,
      index,
      pid: child.pid ?? -1,
      startedAt: secondsSince(t0),
      endedAt: null,
      ledgerPath,
      offset: 0,
      rest: '',
      samples: [],
      child,
    };
    child.on('message', (message: { type?: string; rss?: number; heapUsed?: number }) => {
      if (message.type === 'memory') {
        incarnation.samples.push({
          t: secondsSince(t0),
          rssMb: Math.round((message.rss ?? 0) / 1e5) / 10,
          heapMb: Math.round((message.heapUsed ?? 0) / 1e5) / 10,
        });
      }
    });
    child.on('exit', () => {
      incarnation.endedAt = secondsSince(t0);
    });
    // A message sent just as the worker is killed fails with EPIPE: that worker is gone, nothing else.
    child.on('error', () => {});
    incarnations.push(incarnation);
    return incarnation;
  };

  /** Reads what the ledgers gained since the last read. */
  const readLedgers = (): void => {
    const buffer = Buffer.alloc(1 << 20);
    for (const inc of incarnations) {
      const size = statSync(inc.ledgerPath).size;
      if (size <= inc.offset) continue;
      const fd = openSync(inc.ledgerPath, 'r');
      try {
        while (inc.offset < size) {
          const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - inc.offset), inc.offset);
          inc.offset += read;
          const text = inc.rest + buffer.toString('utf8', 0, read);
          const lines = text.split('\n');
          inc.rest = lines.pop() ?? '';
          for (const line of lines) {
            const space = line.indexOf(' ');
            const n = Number(line.slice(0, space));
            const id = Number(line.slice(space + 1));
            if (executions[n] === 0) {
              distinct += 1;
              firstId[n] = id;
            } else if (firstId[n] === id) duplicateRuns += 1;
            else duplicateJobs += 1;
            executions[n] += 1;
          }
        }
      } finally {
        closeSync(fd);
      }
    }
  };

  const logger = createLogger({ level: 'silent' });
  const soakJob = defineJob({ name: 'soak', queue: 'soak', handler: () => undefined });
  const producer = createConveyor({ jobs: [soakJob], databaseUrl: server.url, logger, poolSize: 2 });
  await producer.migrate();
  for (let slot = 0; slot < WORKERS; slot += 1) spawnWorker(slot);

  // Memory of every live worker, once a second.
  const sampler = setInterval(() => {
    for (const inc of incarnations) {
      if (inc.endedAt === null && inc.child.connected) inc.child.send({ type: 'memory' }, () => {});
    }
  }, 1_000);

  // The producer: batches of 1,000 with a unique key per n; a failed batch is sent again.
  let enqueued = 0;
  const produce = (async () => {
    while (enqueued < JOBS && !stopping) {
      try {
        const ready = (await producer.stats()).find((s) => s.queue === 'soak')?.counts.ready ?? 0;
        const allowed = (RATE * (performance.now() - t0)) / 1_000;
        if (ready > MAX_BACKLOG || enqueued >= allowed) {
          await sleep(100);
          continue;
        }
        const count = Math.min(BATCH, JOBS - enqueued);
        await producer.enqueueMany(
          soakJob,
          Array.from({ length: count }, (_, i) => ({
            payload: { n: enqueued + i },
            options: { uniqueKey: `soak-${enqueued + i}`, uniqueFor: '1h' },
          })),
        );
        enqueued += count;
      } catch {
        await sleep(200); // the database is down or frozen: try the same batch again
      }
    }
  })();

  // Faults, in turn, every FAULT_EVERY_MS, until every job ran.
  const inject = async (kind: FaultKind): Promise<void> => {
    const started = performance.now();
    if (kind === 'kill-worker') {
      // Always the last slot: worker 0 lives through the whole soak, so its memory is seen over
      // all of it (the others restart every few faults).
      const slot = WORKERS - 1;
      const victim = incarnations.filter((i) => i.slot === slot).at(-1)!;
      victim.child.kill('SIGKILL');
      await new Promise((resolve) => victim.child.once('exit', resolve));
      spawnWorker(slot);
    } else if (kind === 'terminate-connections') {
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      await admin.query(
        `WITH target AS MATERIALIZED (SELECT pid FROM pg_stat_activity WHERE datname = 'conveyor' AND pid <> pg_backend_pid())
         SELECT count(*) FROM target WHERE pg_terminate_backend(pid)`,
      );
      await admin.end();
    } else if (kind === 'restart-db') {
      await server.restart();
    } else if (kind === 'pause-db') {
      server.pause();
      await sleep(3_000);
      server.resume();
    } else {
      await server.kill();
      await server.start();
    }
    faults.push({ at: secondsSince(t0), kind, ms: Math.round(performance.now() - started) });
  };

  let faultCount = 0;
  let nextFault = performance.now() + FAULT_EVERY_MS;
  let lastLine = 0;
  for (;;) {
    await sleep(250);
    readLedgers();
    if (performance.now() - lastLine > 5_000) {
      lastLine = performance.now();
      const live = incarnations.filter((i) => i.endedAt === null);
      const rss = live.map((i) => i.samples.at(-1)?.rssMb ?? 0).join(' / ');
      progress(
        `${secondsSince(t0)} s: enqueued ${whole(enqueued)}, ran ${whole(distinct)} (${duplicateRuns} twice), ` +
          `faults ${faults.length}, worker RSS ${rss} MB`,
      );
    }
    if (distinct === JOBS) break;
    if (performance.now() >= nextFault) {
      const kind = FAULTS[faultCount % FAULTS.length]!;
      progress(`fault: ${kind}`);
      await inject(kind).catch((error: unknown) => progress(`fault ${kind} failed: ${String(error)}`));
      faultCount += 1;
      nextFault = performance.now() + FAULT_EVERY_MS;
    }
  }
  stopping = true;
  await produce;
  const drainedAt = secondsSince(t0);

  // Graceful stop, then the final ledger and what the database still holds.
  clearInterval(sampler);
  await Promise.all(
    incarnations
      .filter((i) => i.endedAt === null)
      .map((i) => {
        const exited = new Promise((resolve) => i.child.once('exit', resolve));
        i.child.send({ type: 'stop' });
        return exited;
      }),
  );
  readLedgers();
  const [left] = (await producer.stats()).filter((s) => s.queue === 'soak');
  await producer.close();
  await server.destroy();

  const lost = JOBS - distinct;
  const report = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, load: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    settings: {
      jobs: JOBS,
      rate: RATE,
      workers: WORKERS,
      concurrency: CONCURRENCY,
      faultEverySeconds: FAULT_EVERY_MS / 1_000,
    },
    drainedAfterSeconds: drainedAt,
    jobsPerSecond: Math.round(JOBS / drainedAt),
    lost,
    duplicateRuns,
    duplicateJobs,
    leftInDatabase: left?.counts ?? {},
    faults,
    workers: incarnations.map((i) => ({
      slot: i.slot,
      incarnation: i.index,
      pid: i.pid,
      startedAt: i.startedAt,
      endedAt: i.endedAt,
      rssMb: summary(i.samples.map((s) => s.rssMb)),
      heapMb: summary(i.samples.map((s) => s.heapMb)),
      samples: i.samples,
    })),
  };
  mkdirSync(new URL('results/', BENCH), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  progress(
    `soak done: ${whole(JOBS)} jobs in ${drainedAt} s (${whole(report.jobsPerSecond)}/s) through ${WORKERS} workers, ` +
      `${faults.length} faults; lost ${lost}, run twice ${duplicateRuns}, duplicate jobs ${duplicateJobs}; wrote ${OUT}`,
  );
  for (const w of report.workers) {
    progress(
      `worker ${w.slot}.${w.incarnation} (${w.startedAt}–${w.endedAt ?? '?'} s): RSS ${w.rssMb.first} → ${w.rssMb.last} MB ` +
        `(max ${w.rssMb.max}), heap ${w.heapMb.first} → ${w.heapMb.last} MB`,
    );
  }
  if (lost > 0 || duplicateJobs > 0) process.exitCode = 1;
}

/** First, last, min and max of a series (MB). */
function summary(values: number[]): { first: number; last: number; min: number; max: number } {
  if (values.length === 0) return { first: 0, last: 0, min: 0, max: 0 };
  return { first: values[0]!, last: values.at(-1)!, min: Math.min(...values), max: Math.max(...values) };
}

// The private server is shut down by its own exit handler if the soak fails.
await main().catch((error: unknown) => {
  progress(`soak failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
