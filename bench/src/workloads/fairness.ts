import { wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { latencySummary } from '../stats.ts';
import { Tally } from '../tally.ts';
import { keys, prefill } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

const SMALL_TENANTS = 99;
const SMALL_JOBS = 10;

/**
 * One tenant floods F jobs, then 99 tenants add 10 each; a worker (concurrency 50) then drains it
 * all. Figure: p99 wait (enqueue -> handler start) of the small tenants' jobs.
 */
const fairness: Scenario = {
  metrics: ['fairness_small_p99_ms'],
  async run({ spec, info, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const flood = keys(`${spec.runLabel}-big`, spec.sizes.fairnessFlood);
    await prefill(c, flood, { tenant: 'big' });
    const small: string[] = [];
    for (let t = 0; t < SMALL_TENANTS; t++) {
      const k = keys(`${spec.runLabel}-t${t}`, SMALL_JOBS);
      small.push(...k);
      await prefill(c, k, { tenant: `t${t}` });
    }
    const tally = new Tally();
    const smallWaits: number[] = [];
    const bigWaits: number[] = [];
    await c.startWorker({
      concurrency: 50,
      onJob: (p) => {
        const at = wallMs();
        tally.record(p.k, at);
        (p.tn === 'big' ? bigWaits : smallWaits).push(at - p.t);
        return undefined;
      },
    });
    const all = [...flood, ...small];
    await tally.waitFor(all.length, 240_000);
    await c.stopWorker();
    await c.close();
    const s = latencySummary(smallWaits);
    const { lost, duplicated } = tally.check(all);
    return {
      metrics: {
        fairness_small_p99_ms: {
          value: s.p99,
          unit: 'ms',
          extra: { small: s, big: latencySummary(bigWaits), policy: info.fairness, flood: flood.length },
        },
      },
      lost,
      duplicated,
    };
  },
};

export const fairnessScenarios: Record<string, Scenario> = { fairness };
