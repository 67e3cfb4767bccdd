/**
 * Entry point of every measured process. role 'run': one scenario run for one contender, result sent
 * to the runner over IPC. role 'worker': a bare worker that reports handled keys (used by runs that
 * need a second process).
 */
import { contenderInfo } from './contenders/index.ts';
import type { JobPayload } from './contenders/types.ts';
import { wallMs } from './payload.ts';
import type { ChildSpec, RunMessage, WorkerMessage } from './protocol.ts';
import { SCENARIOS } from './workloads/index.ts';

const spec = JSON.parse(process.env.BENCH_SPEC ?? '{}') as ChildSpec;

function send(message: RunMessage | WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function runScenario(): Promise<void> {
  const info = contenderInfo(spec.contender);
  const factory = await info.load();
  const scenario = SCENARIOS[spec.scenario];
  if (!scenario) throw new Error(`unknown scenario ${spec.scenario}`);
  const result = await scenario.run({ spec, info, factory, make: () => factory(spec.target) });
  await send({ type: 'result', result });
}

async function runWorker(): Promise<void> {
  const factory = await contenderInfo(spec.contender).load();
  const contender = factory(spec.target);
  await contender.setup();
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
  await send({ type: 'ready' });
}

const main = spec.role === 'worker' ? runWorker : runScenario;
main().then(
  () => {
    if (spec.role === 'run') setTimeout(() => process.exit(0), 50);
  },
  async (error: unknown) => {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    await send({ type: 'error', message });
    process.exit(1);
  },
);
