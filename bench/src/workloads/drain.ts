import { startCpuMeter } from '../cpu-meter.ts';
import { wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { WorkerProcess } from '../worker-proc.ts';
import { cpuOptions, drainResult, drainWindow, prefill, sleep, topUpKeys } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/** Top the queue up to drainJobs, then time one worker process draining it (capped window). */
function inProcess(concurrency: number, metric: string): Scenario {
  return {
    metrics: [metric],
    async run(env: RunEnv): Promise<ScenarioResult> {
      const { run, session, make, vacuumAnalyze } = env;
      const { sizes } = run;
      const c = make();
      await c.setup();
      const fresh = topUpKeys(session.ledger, run.label, sizes.drainJobs);
      await prefill(c, session.ledger, fresh, { producers: sizes.prefillProducers });
      await vacuumAnalyze();
      const w = await drainWindow(c, session.ledger, concurrency, sizes.drainCapSeconds, cpuOptions(env));
      await c.close();
      return drainResult(
        metric,
        w,
        { capSeconds: sizes.drainCapSeconds, topUp: fresh.length },
        { concurrency },
      );
    },
  };
}

/** Top the queue up, then time two worker processes (concurrency 50 each) draining it together. */
const twoProcesses: Scenario = {
  metrics: ['drain_c50_2proc'],
  skip: (info) => (info.multiProcess ? undefined : 'embedded store is single-process'),
  async run(env: RunEnv): Promise<ScenarioResult> {
    const { spec, run, session, make, vacuumAnalyze } = env;
    const { sizes } = run;
    const ledger = session.ledger;
    const c = make();
    await c.setup();
    const fresh = topUpKeys(ledger, run.label, sizes.drainJobs);
    await prefill(c, ledger, fresh, { producers: sizes.prefillProducers });
    await vacuumAnalyze();
    const queued = ledger.outstanding;
    const workers = [0, 1].map(() => new WorkerProcess({ ...spec, role: 'worker', concurrency: 50 }));
    await Promise.all(workers.map((w) => w.ready()));
    const meter = startCpuMeter(
      cpuOptions(env, () => workers.flatMap((w) => (w.proc.pid === undefined ? [] : [w.proc.pid]))),
    );
    const t0 = wallMs();
    for (const w of workers) w.go();
    const distinctDone = () => new Set([...workers[0]!.done.keys(), ...workers[1]!.done.keys()]).size;
    const deadline = t0 + sizes.drainCapSeconds * 1000;
    let complete = false;
    while (wallMs() < deadline) {
      const n = workers[0]!.done.size + workers[1]!.done.size;
      if (n >= queued && distinctDone() >= queued) {
        complete = true;
        break;
      }
      await sleep(20);
    }
    const windowDone = workers[0]!.done.size + workers[1]!.done.size;
    const cpu = meter.stop(complete ? queued : windowDone);
    await Promise.all(workers.map((w) => w.stop()));
    const pending = await c.pending();
    await c.close();
    // Window end: the last handler start, or the cap. Workers report start times, so the count
    // within the window does not depend on when their reports arrived.
    const end = complete ? Math.max(workers[0]!.lastAt, workers[1]!.lastAt) : deadline;
    const firstStart = new Map<string, number>();
    for (const w of workers)
      for (const [k, at] of w.started)
        if (at < (firstStart.get(k) ?? Number.POSITIVE_INFINITY)) firstStart.set(k, at);
    let completed = 0;
    for (const at of firstStart.values()) if (at <= end) completed++;
    const merged = new Map<string, number>();
    for (const w of workers) for (const [k, n] of w.done) merged.set(k, (merged.get(k) ?? 0) + n);
    const { lost, duplicated } = ledger.settle(merged, pending);
    const seconds = (end - t0) / 1000;
    return {
      metrics: {
        drain_c50_2proc: {
          value: completed / seconds,
          unit: 'jobs/s',
          ...cpu,
          extra: {
            jobs: queued,
            completed,
            seconds,
            capSeconds: sizes.drainCapSeconds,
            topUp: fresh.length,
            split: workers.map((w) => w.done.size),
          },
        },
      },
      lost,
      duplicated,
      capped: !complete,
      completed,
      pending,
    };
  },
};

export const drainScenarios: Record<string, Scenario> = {
  drain_c10: inProcess(10, 'drain_c10'),
  drain_c50: inProcess(50, 'drain_c50'),
  drain_c50_2proc: twoProcesses,
};
