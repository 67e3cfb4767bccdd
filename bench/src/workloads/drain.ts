import { wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { WorkerProcess } from '../worker-proc.ts';
import { drain, keys, prefill, sleep } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/** Fill the queue, then time one worker process draining it. */
function inProcess(concurrency: number, metric: string): Scenario {
  return {
    metrics: [metric],
    async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
      const c = make();
      await c.setup();
      const all = keys(spec.runLabel, spec.sizes.drainJobs);
      await prefill(c, all);
      const out = await drain(c, all, concurrency, 240_000);
      await c.close();
      return {
        metrics: {
          [metric]: {
            value: out.rate,
            unit: 'jobs/s',
            extra: { jobs: all.length, seconds: out.seconds, concurrency },
          },
        },
        lost: out.lost,
        duplicated: out.duplicated,
      };
    },
  };
}

/** Fill the queue, then time two worker processes (concurrency 50 each) draining it together. */
const twoProcesses: Scenario = {
  metrics: ['drain_c50_2proc'],
  skip: (info) => (info.multiProcess ? undefined : 'embedded store is single-process'),
  async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const all = keys(spec.runLabel, spec.sizes.drainJobs);
    await prefill(c, all);
    const workers = [0, 1].map(() => new WorkerProcess({ ...spec, role: 'worker', concurrency: 50 }));
    await Promise.all(workers.map((w) => w.ready()));
    const t0 = wallMs();
    for (const w of workers) w.go();
    const distinct = () => new Set([...workers[0]!.done.keys(), ...workers[1]!.done.keys()]).size;
    const deadline = t0 + 240_000;
    let seen = 0;
    while (wallMs() < deadline) {
      const n = workers[0]!.done.size + workers[1]!.done.size;
      if (n >= all.length) {
        seen = distinct();
        if (seen >= all.length) break;
      }
      await sleep(20);
    }
    const end = Math.max(workers[0]!.lastAt, workers[1]!.lastAt);
    await Promise.all(workers.map((w) => w.stop()));
    await c.close();
    const merged = new Map<string, number>();
    for (const w of workers) for (const [k, n] of w.done) merged.set(k, (merged.get(k) ?? 0) + n);
    let lost = 0;
    for (const k of all) if (!merged.has(k)) lost++;
    let duplicated = 0;
    for (const n of merged.values()) if (n > 1) duplicated += n - 1;
    const seconds = (end - t0) / 1000;
    return {
      metrics: {
        drain_c50_2proc: {
          value: (all.length - lost) / seconds,
          unit: 'jobs/s',
          extra: { jobs: all.length, seconds, split: workers.map((w) => w.done.size) },
        },
      },
      lost,
      duplicated,
    };
  },
};

export const drainScenarios: Record<string, Scenario> = {
  drain_c10: inProcess(10, 'drain_c10'),
  drain_c50: inProcess(50, 'drain_c50'),
  drain_c50_2proc: twoProcesses,
};
