import type { JobPayload } from '../contenders/types.ts';
import { makePayload, wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { latencySummary } from '../stats.ts';
import { Tally } from '../tally.ts';
import { sleep } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/** Sequential enqueue -> handler start on an idle worker (producer and worker in this process). */
const idle: Scenario = {
  metrics: ['latency_idle_p50', 'latency_idle_p99'],
  async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const tally = new Tally();
    const samples: number[] = [];
    let waiting: ((p: JobPayload) => void) | undefined;
    await c.startWorker({
      concurrency: 10,
      onJob: (p) => {
        const at = wallMs();
        tally.record(p.k, at);
        samples.push(at - p.t);
        waiting?.(p);
        return undefined;
      },
    });
    await sleep(300); // let the worker settle into its idle wait
    const sent: string[] = [];
    let timeouts = 0;
    for (let i = 0; i < spec.sizes.idleSamples; i++) {
      const key = `${spec.runLabel}-${i}`;
      const handled = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        waiting = (p) => {
          if (p.k === key) {
            clearTimeout(timer);
            resolve(true);
          }
        };
      });
      await c.enqueue(makePayload(key));
      sent.push(key);
      if (!(await handled)) timeouts++;
      await sleep(1 + (i % 3)); // a short idle gap before the next sample
    }
    await tally.waitFor(sent.length, 5_000);
    await c.stopWorker();
    await c.close();
    const s = latencySummary(samples);
    const { lost, duplicated } = tally.check(sent);
    return {
      metrics: {
        latency_idle_p50: { value: s.p50, unit: 'ms', extra: s },
        latency_idle_p99: { value: s.p99, unit: 'ms', extra: s },
      },
      lost,
      duplicated,
      ...(timeouts ? { note: `${timeouts} samples waited more than 10 s` } : {}),
    };
  },
};

/** Open-loop arrivals at `rate` jobs/s for a fixed time; latency = handler start - enqueue call. */
function fixedRate(rate: number, metric: string): Scenario {
  return {
    metrics: [metric],
    async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
      const c = make();
      await c.setup();
      const tally = new Tally();
      const samples: number[] = [];
      await c.startWorker({
        concurrency: 50,
        onJob: (p) => {
          const at = wallMs();
          tally.record(p.k, at);
          samples.push(at - p.t);
          return undefined;
        },
      });
      await sleep(300);
      const total = Math.round(rate * spec.sizes.rateSeconds);
      const sent: string[] = [];
      const pending: Promise<void>[] = [];
      let enqueueErrors = 0;
      const t0 = wallMs();
      while (sent.length < total) {
        const due = Math.min(total, Math.floor(((wallMs() - t0) / 1000) * rate) + 1);
        while (sent.length < due) {
          const key = `${spec.runLabel}-${sent.length}`;
          sent.push(key);
          pending.push(
            c.enqueue(makePayload(key)).catch(() => {
              enqueueErrors++;
            }),
          );
        }
        await sleep(1);
      }
      const sendSeconds = (wallMs() - t0) / 1000;
      await Promise.all(pending);
      await tally.waitFor(sent.length, 30_000);
      await c.stopWorker();
      await c.close();
      const s = latencySummary(samples);
      const { lost, duplicated } = tally.check(sent);
      return {
        metrics: {
          [metric]: {
            value: s.p99,
            unit: 'ms',
            extra: { ...s, rate, achievedRate: total / sendSeconds, enqueueErrors },
          },
        },
        lost,
        duplicated,
      };
    },
  };
}

export const latencyScenarios: Record<string, Scenario> = {
  latency_idle: idle,
  latency_500: fixedRate(500, 'latency_500_p99'),
  latency_2000: fixedRate(2000, 'latency_2000_p99'),
};
