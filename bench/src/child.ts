/**
 * Entry point of every measured process. role 'session': one contender's runs, one per 'run'
 * command from the runner, results sent back over IPC; the process lives across runs and workloads,
 * and keeps a SessionState (the job ledger of the store the runner keeps for the workload) until
 * the runner says the store is new. role 'worker': a bare worker that reports handled keys (runs
 * that need a second process). role 'init-store': create the contender's schema and exit (the
 * PGlite template the runner copies).
 */
import { contenderInfo } from './contenders/index.ts';
import type { Contender, JobPayload } from './contenders/types.ts';
import { Ledger } from './ledger.ts';
import { wallMs } from './payload.ts';
import type { ChildSpec, RunMessage, SessionCommand, SessionLaunch, WorkerMessage } from './protocol.ts';
import { warmupSizes } from './sizes.ts';
import { vacuumAnalyzeDatabase } from './stores.ts';
import { SCENARIOS } from './workloads/index.ts';
import type { SessionState } from './workloads/types.ts';

const launch = JSON.parse(process.env.BENCH_SPEC ?? '{}') as ChildSpec | SessionLaunch;

function send(message: RunMessage | WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

async function runSession(): Promise<void> {
  const info = contenderInfo(launch.contender);
  const factory = await info.load();
  let session: SessionState = { ledger: new Ledger() };
  // runs are serial: the runner sends the next command only after this one's answer
  process.on('message', async (raw) => {
    const command = raw as SessionCommand;
    if (command.type === 'exit') process.exit(0);
    const { spec } = command;
    if (command.freshStore) session = { ledger: new Ledger() };
    const run = {
      label: command.label,
      warmup: command.warmup,
      sizes: command.warmup ? warmupSizes(spec.sizes) : spec.sizes,
    };
    try {
      const scenario = SCENARIOS[spec.scenario];
      if (!scenario) throw new Error(`unknown scenario ${spec.scenario}`);
      const make = () => factory(spec.target);
      const vacuumAnalyze = async () => {
        if (spec.vacuumAnalyzeAfterFill && info.backend === 'postgres')
          await vacuumAnalyzeDatabase(spec.target.pgUrl);
      };
      const result = await scenario.run({ spec, run, session, info, factory, make, vacuumAnalyze });
      await send({ type: 'result', result });
    } catch (error) {
      // the contender may hold connections or a running worker: end the session, the runner
      // starts a new one on a fresh store for the next run
      await send({ type: 'error', message: errorText(error) });
      process.exit(1);
    }
  });
  process.on('disconnect', () => process.exit(1)); // the runner died: do not linger
  await send({ type: 'ready' });
}

/** The contender this child was launched for, set up (schema or store created). */
async function setUpContender(): Promise<Contender> {
  const spec = launch as ChildSpec;
  const factory = await contenderInfo(spec.contender).load();
  const contender = factory(spec.target);
  await contender.setup();
  return contender;
}

async function initStore(): Promise<void> {
  const contender = await setUpContender();
  await contender.close();
  await send({ type: 'ready' });
}

async function runWorker(): Promise<void> {
  const spec = launch as ChildSpec;
  const contender = await setUpContender();
  let started: [string, number][] = [];
  let done: string[] = [];
  let lastAt = 0;
  const flush = () => {
    if (started.length === 0 && done.length === 0) return Promise.resolve();
    const message: WorkerMessage = { type: 'batch', started, done, lastAt };
    started = [];
    done = [];
    return send(message);
  };
  const timer = setInterval(flush, 20);
  const sleepMs = spec.sleepMs ?? 0;
  // A worker that is going to be SIGKILLed (crash workload: slow handlers) reports every event at
  // once, so the kill loses no report of a job that did finish.
  const eager = sleepMs > 0;
  const onJob = (payload: JobPayload): undefined | Promise<void> => {
    const at = wallMs();
    started.push([payload.k, at]);
    lastAt = at;
    if (sleepMs <= 0) {
      done.push(payload.k);
      return undefined;
    }
    if (eager) void flush();
    return new Promise((resolve) =>
      setTimeout(() => {
        done.push(payload.k);
        if (eager) void flush();
        resolve();
      }, sleepMs),
    );
  };
  process.on('message', async (raw) => {
    const m = raw as { type: string };
    if (m.type === 'go') {
      await contender.startWorker({ concurrency: spec.concurrency ?? 10, onJob });
    } else if (m.type === 'stop') {
      await contender.stopWorker().catch(() => {});
      await flush();
      clearInterval(timer);
      await send({ type: 'stopped' });
      await contender.close().catch(() => {});
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(1)); // the run process died: do not linger
  if (spec.startAtOnce) await contender.startWorker({ concurrency: spec.concurrency ?? 10, onJob });
  await send({ type: 'ready' });
}

const main = { session: runSession, worker: runWorker, 'init-store': initStore }[launch.role];
main().then(
  () => {
    if (launch.role === 'init-store') setTimeout(() => process.exit(0), 50);
  },
  async (error: unknown) => {
    await send({ type: 'error', message: errorText(error) });
    process.exit(1);
  },
);
