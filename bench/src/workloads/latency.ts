import type { Contender, JobPayload } from '../contenders/types.ts';
import type { Ledger } from '../ledger.ts';
import { makePayload, wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { latencySummary } from '../stats.ts';
import { Tally } from '../tally.ts';
import { sleep } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/**
 * Waits (up to `timeoutMs`) until every due job in the ledger ran, stops the worker and settles the
 * ledger with the store's count.
 */
async function finish(c: Contender, ledger: Ledger, tally: Tally, timeoutMs: number) {
  // the ledger has not taken this run's calls in yet: outstanding = every due job of the store
  await tally.waitFor(ledger.outstanding, timeoutMs);
  await c.stopWorker();
  const pending = await c.pending();
  return { pending, ...ledger.settle(tally.seen, pending) };
}

/** Sequential enqueue -> handler start on an idle worker (producer and worker in this process). */
const idle: Scenario = {
  metrics: ['latency_idle_p50', 'latency_idle_p99'],
  async run({ run, session, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const tally = new Tally();
    const samples: number[] = [];
    const ours = `${run.label}-`;
    let waiting: ((p: JobPayload) => void) | undefined;
    await c.startWorker({
      concurrency: 10,
      onJob: (p) => {
        const at = wallMs();
        tally.record(p.k, at);
        if (p.k.startsWith(ours)) samples.push(at - p.t);
        waiting?.(p);
        return undefined;
      },
    });
    await sleep(run.sizes.settleMs); // let the worker settle into its idle wait
    let timeouts = 0;
    const n = run.sizes.idleSamples;
    for (let i = 0; i < n; i++) {
      const key = `${ours}${i}`;
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
      session.ledger.add(1);
      if (!(await handled)) timeouts++;
      await sleep(1 + (i % 3)); // a short idle gap before the next sample
    }
    const settled = await finish(c, session.ledger, tally, 5_000);
    await c.close();
    const s = latencySummary(samples);
    return {
      metrics: {
        latency_idle_p50: { value: s.p50, unit: 'ms', extra: s },
        latency_idle_p99: { value: s.p99, unit: 'ms', extra: s },
      },
      ...settled,
      ...(timeouts ? { note: `${timeouts} samples waited more than 10 s` } : {}),
    };
  },
};

/** Open-loop arrivals at `rate` jobs/s for a fixed time; latency = handler start - enqueue call. */
function fixedRate(rate: number, metric: string): Scenario {
  return {
    metrics: [metric],
    async run({ run, session, make }: RunEnv): Promise<ScenarioResult> {
      const c = make();
      await c.setup();
      const tally = new Tally();
      const samples: number[] = [];
      const ours = `${run.label}-`;
      await c.startWorker({
        concurrency: 50,
        onJob: (p) => {
          const at = wallMs();
          tally.record(p.k, at);
          if (p.k.startsWith(ours)) samples.push(at - p.t);
          return undefined;
        },
      });
      await sleep(run.sizes.settleMs);
      const total = Math.round(rate * run.sizes.rateSeconds);
      let sent = 0;
      const calls: Promise<void>[] = [];
      let enqueueErrors = 0;
      const t0 = wallMs();
      while (sent < total) {
        const due = Math.min(total, Math.floor(((wallMs() - t0) / 1000) * rate) + 1);
        while (sent < due) {
          calls.push(
            c.enqueue(makePayload(`${ours}${sent}`)).catch(() => {
              enqueueErrors++;
            }),
          );
          sent++;
        }
        await sleep(1);
      }
      const sendSeconds = (wallMs() - t0) / 1000;
      await Promise.all(calls);
      // a failed enqueue call counts as a lost job
      session.ledger.add(sent);
      const settled = await finish(c, session.ledger, tally, 30_000);
      await c.close();
      const s = latencySummary(samples);
      return {
        metrics: {
          [metric]: {
            value: s.p99,
            unit: 'ms',
            extra: { ...s, rate, achievedRate: total / sendSeconds, enqueueErrors },
          },
        },
        ...settled,
      };
    },
  };
}

export const latencyScenarios: Record<string, Scenario> = {
  latency_idle: idle,
  latency_500: fixedRate(500, 'latency_500_p99'),
  latency_2000: fixedRate(2000, 'latency_2000_p99'),
};
