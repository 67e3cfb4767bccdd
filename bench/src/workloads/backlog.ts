import type { ScenarioResult } from '../protocol.ts';
import { drain, keys, prefill } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

const DAY_MS = 86_400_000;

/**
 * After a small warm-up drain: drain rate of R ready jobs on an empty store, then again with D
 * far-future jobs sitting in the same queue. backlog_share = rate with backlog / rate without (1.0 = the backlog costs nothing).
 */
const backlog: Scenario = {
  metrics: ['backlog_share'],
  async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
    const c = make();
    await c.setup();
    const ready = spec.sizes.backlogReady;
    // Warm the process (JIT, pool, worker start-up) so the empty-table baseline is not the cold one.
    const warm = keys(`${spec.runLabel}-w`, Math.max(500, Math.floor(ready / 10)));
    await prefill(c, warm);
    const warmed = await drain(c, warm, 50, 240_000);
    const before = keys(`${spec.runLabel}-a`, ready);
    await prefill(c, before);
    const empty = await drain(c, before, 50, 240_000);
    await prefill(c, keys(`${spec.runLabel}-d`, spec.sizes.backlogDelayed), { delayMs: DAY_MS });
    const after = keys(`${spec.runLabel}-b`, ready);
    await prefill(c, after);
    const loaded = await drain(c, after, 50, 240_000);
    await c.close();
    return {
      metrics: {
        backlog_share: {
          value: loaded.rate / empty.rate,
          unit: 'share',
          extra: {
            emptyRate: empty.rate,
            backlogRate: loaded.rate,
            delayed: spec.sizes.backlogDelayed,
            ready,
            concurrency: 50,
          },
        },
      },
      lost: warmed.lost + empty.lost + loaded.lost,
      duplicated: warmed.duplicated + empty.duplicated + loaded.duplicated,
    };
  },
};

export const backlogScenarios: Record<string, Scenario> = { backlog };
