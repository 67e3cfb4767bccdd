import { makePayload, wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { drain, keys } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

/** Single awaited enqueue calls from `producers` concurrent loops, for a fixed time. */
function single(producers: number, metric: string): Scenario {
  return {
    metrics: [metric],
    async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
      const c = make();
      await c.setup();
      const sent: string[] = [];
      const t0 = wallMs();
      const deadline = t0 + spec.sizes.enqueueSeconds * 1000;
      let n = 0;
      const loop = async () => {
        while (wallMs() < deadline) {
          const key = `${spec.runLabel}-${n++}`;
          await c.enqueue(makePayload(key));
          sent.push(key);
        }
      };
      await Promise.all(Array.from({ length: producers }, loop));
      const seconds = (wallMs() - t0) / 1000;
      const value = sent.length / seconds;
      const check = spec.sizes.verifyEnqueue ? await drain(c, sent, 50, 60_000) : undefined;
      await c.close();
      return {
        metrics: { [metric]: { value, unit: 'jobs/s', extra: { jobs: sent.length, producers } } },
        lost: check?.lost ?? 0,
        duplicated: check?.duplicated ?? 0,
      };
    },
  };
}

const bulk: Scenario = {
  metrics: ['enqueue_bulk'],
  async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const all = keys(spec.runLabel, spec.sizes.bulkJobs);
    const t0 = wallMs();
    for (let i = 0; i < all.length; i += 1000) {
      await c.enqueueBulk(all.slice(i, i + 1000).map((k) => ({ payload: makePayload(k) })));
    }
    const seconds = (wallMs() - t0) / 1000;
    const check = spec.sizes.verifyEnqueue ? await drain(c, all, 50, 120_000) : undefined;
    await c.close();
    return {
      metrics: {
        enqueue_bulk: {
          value: all.length / seconds,
          unit: 'jobs/s',
          extra: { jobs: all.length, batch: 1000 },
        },
      },
      lost: check?.lost ?? 0,
      duplicated: check?.duplicated ?? 0,
    };
  },
};

export const enqueueScenarios: Record<string, Scenario> = {
  enqueue_single_1: single(1, 'enqueue_single_1'),
  enqueue_single_16: single(16, 'enqueue_single_16'),
  enqueue_bulk: bulk,
};
