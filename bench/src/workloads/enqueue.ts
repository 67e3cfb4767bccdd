import type { Contender } from '../contenders/types.ts';
import { startCpuMeter } from '../cpu-meter.ts';
import type { Ledger } from '../ledger.ts';
import { makePayload, wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import type { Sizes } from '../sizes.ts';
import { cpuOptions, drainWindow, keys } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/**
 * After the timed part: drain what is queued (untimed, capped at verifyCapSeconds) so every key
 * is counted; what the cap leaves is read back with pending(), not counted as lost.
 */
async function verify(c: Contender, ledger: Ledger, sizes: Sizes) {
  if (!sizes.verifyEnqueue) return { lost: 0, duplicated: 0, verified: 0 };
  const w = await drainWindow(c, ledger, 50, sizes.verifyCapSeconds);
  return { lost: w.lost, duplicated: w.duplicated, verified: w.completed, pending: w.pending };
}

/** Single awaited enqueue calls from `producers` concurrent loops, for a fixed time. */
function single(producers: number, metric: string): Scenario {
  return {
    metrics: [metric],
    async run(env: RunEnv): Promise<ScenarioResult> {
      const { run, session, make } = env;
      const c = make();
      await c.setup();
      let sent = 0;
      const meter = startCpuMeter(cpuOptions(env));
      const t0 = wallMs();
      const deadline = t0 + run.sizes.enqueueSeconds * 1000;
      let n = 0;
      const loop = async () => {
        while (wallMs() < deadline) {
          await c.enqueue(makePayload(`${run.label}-${n++}`));
          sent++;
        }
      };
      await Promise.all(Array.from({ length: producers }, loop));
      const seconds = (wallMs() - t0) / 1000;
      const cpu = meter.stop(sent);
      session.ledger.add(sent);
      const check = await verify(c, session.ledger, run.sizes);
      await c.close();
      return {
        metrics: {
          [metric]: {
            value: sent / seconds,
            unit: 'jobs/s',
            ...cpu,
            extra: { jobs: sent, producers, verified: check.verified },
          },
        },
        lost: check.lost,
        duplicated: check.duplicated,
        ...(check.pending === undefined ? {} : { pending: check.pending }),
      };
    },
  };
}

/** bulkJobs jobs in awaited bulk calls of 1,000 from one producer. */
const bulk: Scenario = {
  metrics: ['enqueue_bulk'],
  async run(env: RunEnv): Promise<ScenarioResult> {
    const { run, session, make } = env;
    const c = make();
    await c.setup();
    const all = keys(run.label, run.sizes.bulkJobs);
    const meter = startCpuMeter(cpuOptions(env));
    const t0 = wallMs();
    for (let i = 0; i < all.length; i += 1000) {
      await c.enqueueBulk(all.slice(i, i + 1000).map((k) => ({ payload: makePayload(k) })));
    }
    const seconds = (wallMs() - t0) / 1000;
    const cpu = meter.stop(all.length);
    session.ledger.add(all.length);
    const check = await verify(c, session.ledger, run.sizes);
    await c.close();
    return {
      metrics: {
        enqueue_bulk: {
          value: all.length / seconds,
          unit: 'jobs/s',
          ...cpu,
          extra: { jobs: all.length, batch: 1000, verified: check.verified },
        },
      },
      lost: check.lost,
      duplicated: check.duplicated,
      ...(check.pending === undefined ? {} : { pending: check.pending }),
    };
  },
};

export const enqueueScenarios: Record<string, Scenario> = {
  enqueue_single_1: single(1, 'enqueue_single_1'),
  enqueue_single_16: single(16, 'enqueue_single_16'),
  enqueue_bulk: bulk,
};
