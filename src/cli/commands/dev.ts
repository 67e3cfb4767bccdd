import type { Conveyor } from '../../client/conveyor.ts';
import type { ConveyorOptions } from '../../client/conveyor-options.ts';
import type { NodeServer } from '../../http/node-adapter.ts';
import { embeddedFolderHolder } from '../../store/pglite/folder-lock.ts';
import { describeConnection } from '../../store/postgres/pg-driver.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { effectiveDatabaseUrl, openConveyor, serviceLogger } from '../cli-conveyor.ts';
import { UsageError } from '../cli-error.ts';
import { type Command, showHelp } from '../command.ts';
import { type DemoJob, loadDemo } from '../demo.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJobEvents } from '../job-reporter.ts';
import { loadConfig } from '../load-config.ts';
import { printLine } from '../output.ts';
import { waitForStopSignal } from '../stop-signal.ts';
import { parseQueues } from './worker.ts';

const HELP = `Usage: conveyor dev [--demo] [--once] [--queues a,b] [--concurrency N] [--port N]

Development mode: applies migrations, runs a worker on every queue with readable logs, and prints
a line per job event. Without DATABASE_URL it uses the embedded database (PGlite), so no server
is needed; other conveyor commands (enqueue, stats, worker…) run beside it on the same data.

Flags:
  --demo              run the built-in demo (examples/demo) instead of the config's jobs, on a
                      throwaway in-memory database unless DATABASE_URL / --database-url is set
  --once              exit when the work is done: with --demo, once every demo job is completed or
                      dead (exit 1 if one ended unexpectedly); otherwise once nothing is scheduled,
                      ready or active
  --timeout <dur>     with --once, give up (exit 1) after this long (default 60s)
  --queues <a,b>      queues to work (default: all)
  --concurrency <n>   jobs run at once (default 10)
  --port <n>          serve the dashboard and the REST API (/api/v1), with /metrics, /health and
                      /analytics/*, on 127.0.0.1:<n> (default $PORT or 3000; 0 for any free port;
                      off for none). Prints a one-time login link (admin, valid 15 minutes, single
                      use); API keys (\`conveyor keys create\`) log in too. Loopback only`;

const OPTIONS = {
  demo: { type: 'boolean' },
  once: { type: 'boolean' },
  timeout: { type: 'string' },
  queues: { type: 'string' },
  concurrency: { type: 'string' },
  port: { type: 'string' },
} as const;

export const devCommand: Command = {
  name: 'dev',
  summary: 'development mode: migrate, work every queue, print progress (--demo for a tour)',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('dev', context.args, OPTIONS);
    if (values.help) return showHelp(HELP);
    expectPositionals('dev', positionals, [], 'conveyor dev [--demo] [--once]');
    const queues = parseQueues(values.queues);
    const concurrency = intFlag('concurrency', values.concurrency);
    const timeoutMs = parseTimeout(values.timeout);
    const portFlag = values.port ?? process.env.PORT;
    const port = portFlag === 'off' ? null : (intFlag('port', portFlag) ?? 3000);

    const demo = values.demo ? await loadDemo() : null;
    context.useDatabaseUrl(effectiveDatabaseUrl(null, values));
    const options: ConveyorOptions = demo
      ? { jobs: demo.jobs, ...demo.settings, dataDir: 'memory://' }
      : (await loadConfig(values.config, context.cwd, true)).options;
    const databaseUrl = effectiveDatabaseUrl(options, values);
    context.useDatabaseUrl(databaseUrl);

    const log = serviceLogger(true);
    const conveyor = openConveyor(options, values, log, { migrate: 'auto' });
    const stop = waitForStopSignal();
    let http: NodeServer | null = null;
    try {
      const embedded = !databaseUrl;
      const dataDir = options.dataDir ?? '.conveyor/pgdata';
      // A separate connection would see another in-memory database: there, opening the store migrates.
      const applied = embedded && dataDir.includes('://') ? null : await conveyor.migrate();
      await conveyor.ping();
      const where = embedded ? describeEmbedded(dataDir) : describeConnection(databaseUrl);
      printLine(
        `conveyor dev: database ${where}; ${applied === null || applied.length === 0 ? 'schema up to date' : `applied migration(s) ${applied.join(', ')}`}`,
      );

      const labels = new Map<string, string>();
      const stopPrinting = printJobEvents(conveyor, (job) => `${labels.get(job.id) ?? job.name} #${job.id}`);
      const finals = trackFinalStates(conveyor);
      const worker = conveyor.worker({
        ...(queues ? { queues } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
      });
      await worker.start();
      printLine(`conveyor dev: worker running on ${queues?.join(', ') ?? 'every queue'}; Ctrl-C to stop`);
      if (port !== null) http = await serveDashboard(conveyor, port);

      let exitCode: number = ExitCode.ok;
      if (demo) {
        const enqueued = await demo.enqueue(conveyor);
        for (const job of enqueued) labels.set(job.id, job.label);
        printLine(
          `conveyor dev: demo enqueued ${enqueued.length} jobs: ${enqueued.map((j) => `${j.label} #${j.id}`).join(', ')}`,
        );
        if (values.once) exitCode = await untilDemoDone(enqueued, finals, stop.signalled, timeoutMs);
      } else if (values.once) {
        const worked = new Set(queues ?? options.jobs.map((job) => job.queue));
        exitCode = await untilDrained(conveyor, worked, stop.signalled, timeoutMs);
      }
      if (!values.once) await stop.signalled;
      await conveyor.close();
      stopPrinting();
      finals.dispose();
      printLine('conveyor dev: stopped');
      return exitCode;
    } finally {
      await http?.close();
      stop.dispose();
      await conveyor.close().catch(() => {});
    }
  },
};

/** The embedded database, and whether this process holds its folder or shares another's. */
function describeEmbedded(dataDir: string): string {
  if (dataDir.startsWith('memory://')) return `embedded PGlite (${dataDir})`;
  const holder = embeddedFolderHolder(dataDir);
  if (holder === process.pid) {
    return `embedded PGlite (${dataDir}), held by this process: other conveyor commands share it while dev runs`;
  }
  return `embedded PGlite (${dataDir}), shared through process ${holder ?? '?'}, which holds it`;
}

/**
 * The dashboard and REST API (API keys, or the one-time login link printed here), with /metrics,
 * /health and analytics (no auth), on 127.0.0.1; a busy port is reported, not fatal.
 */
async function serveDashboard(conveyor: Conveyor, port: number): Promise<NodeServer | null> {
  // Loaded here, not at the top: the other commands (a worker) never load the HTTP layer.
  const [
    { createApiHandler },
    { createObservabilityFetchHandler },
    { OBSERVABILITY_PATHS },
    { createNodeServer },
  ] = await Promise.all([
    import('../../api/api-handler.ts'),
    import('../../http/observability-server.ts'),
    import('../../http/observability-routes.ts'),
    import('../../http/node-adapter.ts'),
  ]);
  const api = createApiHandler({ conveyor, auth: {} });
  const observability = createObservabilityFetchHandler(conveyor);
  const server = createNodeServer(
    (request, env) =>
      OBSERVABILITY_PATHS.has(new URL(request.url).pathname)
        ? observability(request)
        : api.fetch(request, env),
    { port },
  );
  try {
    const { url } = await server.listen();
    printLine(`conveyor dev: dashboard on ${url}/ (REST API on ${url}/api/v1)`);
    printLine(
      `conveyor dev: one-time login link (admin; single use, valid 15 minutes): ${url}/login?code=${api.loginCode({ ttlMs: 15 * 60_000 })}`,
    );
    printLine(`conveyor dev: ${url}/metrics, ${url}/health and ${url}/analytics/* (no auth; loopback only)`);
    return {
      server: server.server,
      listen: server.listen,
      async close() {
        await api.settled();
        await server.close();
      },
    };
  } catch (error) {
    await api.settled();
    printLine(`conveyor dev: not serving the dashboard, /metrics and /health: ${(error as Error).message}`);
    return null;
  }
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 60_000;
  const match = /^(\d+)(ms|s|m)?$/.exec(value.trim());
  if (!match)
    throw new UsageError(`--timeout must be a duration like 30s or 2m, got ${JSON.stringify(value)}`);
  const unit = match[2] === 'm' ? 60_000 : match[2] === 's' ? 1_000 : match[2] === 'ms' ? 1 : 1_000;
  return Number(match[1]) * unit;
}

interface FinalStates {
  states: Map<string, 'completed' | 'dead'>;
  /** Resolves on the next final event. */
  changed(): Promise<void>;
  dispose(): void;
}

/** Records every job that completes or dies, from before the demo's ids are known. */
function trackFinalStates(conveyor: Conveyor): FinalStates {
  const states = new Map<string, 'completed' | 'dead'>();
  let waiters: (() => void)[] = [];
  const settle = (id: string, state: 'completed' | 'dead'): void => {
    states.set(id, state);
    for (const wake of waiters.splice(0)) wake();
  };
  const offs = [
    conveyor.on('job:completed', ({ job }) => settle(job.id, 'completed')),
    conveyor.on('job:dead', ({ job }) => settle(job.id, 'dead')),
  ];
  return {
    states,
    changed: () => new Promise<void>((resolve) => waiters.push(resolve)),
    dispose() {
      for (const off of offs) off();
      waiters = [];
    },
  };
}

async function untilDemoDone(
  jobs: DemoJob[],
  finals: FinalStates,
  signalled: Promise<unknown>,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let interrupted = false;
  void signalled.then(() => {
    interrupted = true;
  });
  while (jobs.some((job) => !finals.states.has(job.id))) {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || interrupted) {
      const pending = jobs
        .filter((job) => !finals.states.has(job.id))
        .map((job) => `${job.label} #${job.id}`);
      printLine(
        `conveyor dev: ${interrupted ? 'interrupted' : `timed out after ${timeoutMs} ms`}; unfinished: ${pending.join(', ')}`,
      );
      return ExitCode.failure;
    }
    await Promise.race([finals.changed(), signalled, sleep(Math.min(remaining, 1_000))]);
  }
  const unexpected = jobs.filter((job) => finals.states.get(job.id) !== job.expect);
  if (unexpected.length > 0) {
    printLine(
      `conveyor dev: demo finished with unexpected outcomes: ${unexpected.map((job) => `${job.label} #${job.id} is ${finals.states.get(job.id)}, expected ${job.expect}`).join('; ')}`,
    );
    return ExitCode.failure;
  }
  printLine(`conveyor dev: demo finished: ${jobs.length} jobs, all as expected`);
  return ExitCode.ok;
}

/** Waits until no job of the worked queues is scheduled, ready or active (polling stats). */
async function untilDrained(
  conveyor: Conveyor,
  queues: Set<string>,
  signalled: Promise<unknown>,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let interrupted = false;
  void signalled.then(() => {
    interrupted = true;
  });
  for (;;) {
    const stats = (await conveyor.stats()).filter((s) => queues.has(s.queue));
    const pending = stats.reduce((sum, s) => sum + s.counts.scheduled + s.counts.ready + s.counts.active, 0);
    if (pending === 0) {
      printLine('conveyor dev: nothing left to do');
      return ExitCode.ok;
    }
    if (interrupted) return ExitCode.ok;
    if (Date.now() >= deadline) {
      printLine(`conveyor dev: timed out after ${timeoutMs} ms with ${pending} job(s) unfinished`);
      return ExitCode.failure;
    }
    await Promise.race([signalled, sleep(250)]);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
