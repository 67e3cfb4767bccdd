import { wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { warmupSizes } from '../sizes.ts';
import { drainWindow, prefill, topUpKeys, windowFields } from './common.ts';
import type { RunEnv, Scenario, SessionState } from './types.ts';

const DAY_MS = 86_400_000;
const CONCURRENCY = 50;

/**
 * Done once per contender, by the session's first run (the warm-up when there is one): a small warm
 * drain, the empty-table drain of backlogReady ready jobs (the baseline), then backlogDelayed
 * far-future jobs queued with the bulk API. Every later run reuses that store.
 */
async function prepare({
  spec,
  session,
  make,
  vacuumAnalyze,
}: RunEnv): Promise<NonNullable<SessionState['backlogBaseline']>> {
  const { sizes } = spec;
  const ledger = session.ledger;
  const c = make();
  await c.setup();
  const warm = warmupSizes(sizes);
  await prefill(c, ledger, topUpKeys(ledger, 'warm', warm.backlogReady), {
    producers: sizes.prefillProducers,
  });
  await vacuumAnalyze();
  const warmed = await drainWindow(c, ledger, CONCURRENCY, warm.drainCapSeconds);
  await prefill(c, ledger, topUpKeys(ledger, 'empty', sizes.backlogReady), {
    producers: sizes.prefillProducers,
  });
  await vacuumAnalyze();
  const empty = await drainWindow(c, ledger, CONCURRENCY, sizes.drainCapSeconds);
  const t0 = wallMs();
  const delayed = Array.from({ length: sizes.backlogDelayed }, (_, i) => `delayed-${i}`);
  await prefill(c, ledger, delayed, { producers: sizes.prefillProducers, delayMs: DAY_MS });
  const fillSeconds = (wallMs() - t0) / 1000;
  await c.close();
  // lost / duplicated: the whole preparation's
  return {
    ...empty,
    lost: warmed.lost + empty.lost,
    duplicated: warmed.duplicated + empty.duplicated,
    fillSeconds,
  };
}

/**
 * Drain rate of backlogReady ready jobs (concurrency 50, capped like a drain run) with
 * backlogDelayed far-future jobs in the same queue, as a share of the rate the same store gave
 * before those jobs were queued (1.0 = the backlog costs nothing).
 */
const backlog: Scenario = {
  metrics: ['backlog_share'],
  async run(env: RunEnv): Promise<ScenarioResult> {
    const { run, session, make, vacuumAnalyze } = env;
    const preparing = session.backlogBaseline === undefined;
    session.backlogBaseline ??= await prepare(env);
    const empty = session.backlogBaseline;
    const sizes = env.spec.sizes;
    const baselineNote = `baseline ${Math.round(empty.rate)} jobs/s (${empty.completed} jobs, capped: ${empty.capped}); ${sizes.backlogDelayed} delayed jobs queued in ${empty.fillSeconds.toFixed(1)} s`;
    if (run.warmup)
      return {
        metrics: { backlog_share: { value: null, unit: 'share' } },
        lost: empty.lost,
        duplicated: empty.duplicated,
        note: baselineNote,
      };
    const c = make();
    await c.setup();
    const fresh = topUpKeys(session.ledger, run.label, sizes.backlogReady);
    await prefill(c, session.ledger, fresh, { producers: sizes.prefillProducers });
    await vacuumAnalyze();
    const loaded = await drainWindow(c, session.ledger, CONCURRENCY, sizes.drainCapSeconds);
    await c.close();
    return {
      metrics: {
        backlog_share: {
          value: loaded.rate / empty.rate,
          unit: 'share',
          extra: {
            emptyRate: empty.rate,
            emptyCompleted: empty.completed,
            emptyCapped: empty.capped,
            backlogRate: loaded.rate,
            delayed: sizes.backlogDelayed,
            delayedFillSeconds: empty.fillSeconds,
            ready: loaded.queued,
            topUp: fresh.length,
            capSeconds: sizes.drainCapSeconds,
            concurrency: CONCURRENCY,
          },
        },
      },
      ...windowFields(loaded),
      ...(preparing
        ? { lost: loaded.lost + empty.lost, duplicated: loaded.duplicated + empty.duplicated }
        : {}),
      ...(preparing ? { note: baselineNote } : {}),
    };
  },
};

export const backlogScenarios: Record<string, Scenario> = { backlog };
