import { wallMs } from '../payload.ts';
import type { ScenarioResult } from '../protocol.ts';
import { latencySummary } from '../stats.ts';
import { Tally } from '../tally.ts';
import { keys, prefill, topUpKeys } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

const SMALL_TENANTS = 99;
const SMALL_JOBS = 10;

/**
 * The big tenant's queue is topped up to F jobs, then 99 tenants add 10 each; a worker
 * (concurrency 50) then runs until every small-tenant job started, or until fairnessCapSeconds
 * after its start. Figure: p99 wait (enqueue -> handler start) of the small tenants' jobs. When
 * the cap ends the run first, the jobs not started count with the wait they had reached, so the
 * figure is a lower bound (capped: true).
 */
const fairness: Scenario = {
  metrics: ['fairness_small_p99_ms'],
  async run({ run, session, info, make, vacuumAnalyze }: RunEnv): Promise<ScenarioResult> {
    const { sizes } = run;
    const ledger = session.ledger;
    const c = make();
    await c.setup();
    // jobs a capped run left (mostly the big tenant's) stay queued ahead and count toward F
    const flood = topUpKeys(ledger, `${run.label}-big`, sizes.fairnessFlood);
    await prefill(c, ledger, flood, { producers: sizes.prefillProducers, tenantOf: () => 'big' });
    // before the small tenants' jobs: their wait starts when they are queued
    await vacuumAnalyze();
    // then the small tenants, one bulk call of 10 each, from the same concurrent producers
    const queuedAt = new Map<string, number>();
    let nextTenant = 0;
    const producer = async () => {
      while (nextTenant < SMALL_TENANTS) {
        const t = nextTenant++;
        const k = keys(`${run.label}-t${t}`, SMALL_JOBS);
        const at = wallMs();
        for (const key of k) queuedAt.set(key, at);
        await prefill(c, ledger, k, { producers: 1, tenantOf: () => `t${t}` });
      }
    };
    await Promise.all(Array.from({ length: sizes.prefillProducers }, producer));
    const tally = new Tally();
    const smallWaits: number[] = [];
    const bigWaits: number[] = [];
    const ownBig = `${run.label}-big-`;
    let smallLeft = queuedAt.size;
    let allSmallStarted!: () => void;
    const smallDone = new Promise<void>((resolve) => {
      allSmallStarted = resolve;
    });
    const t0 = wallMs();
    await c.startWorker({
      concurrency: 50,
      onJob: (p) => {
        const at = wallMs();
        tally.record(p.k, at);
        if (queuedAt.delete(p.k)) {
          smallWaits.push(at - p.t);
          if (--smallLeft === 0) allSmallStarted();
        } else if (p.k.startsWith(ownBig)) bigWaits.push(at - p.t);
        return undefined;
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const capped = await Promise.race([
      smallDone.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), Math.max(0, t0 + sizes.fairnessCapSeconds * 1000 - wallMs()));
      }),
    ]);
    clearTimeout(timer);
    const end = wallMs();
    // small jobs not started by the cap: the wait they had reached (a lower bound)
    const censored = [...queuedAt.values()].map((at) => end - at);
    await c.stopWorker();
    const pending = await c.pending();
    await c.close();
    const s = latencySummary([...smallWaits, ...censored]);
    const settled = ledger.settle(tally.seen, pending);
    return {
      metrics: {
        fairness_small_p99_ms: {
          value: s.p99,
          unit: 'ms',
          extra: {
            small: s,
            big: latencySummary(bigWaits),
            policy: info.fairness,
            flood: sizes.fairnessFlood,
            topUp: flood.length,
            smallNotStarted: censored.length,
            capSeconds: sizes.fairnessCapSeconds,
          },
        },
      },
      ...settled,
      capped,
      completed: tally.seen.size,
      pending,
      ...(capped
        ? {
            note: `${censored.length} of ${SMALL_TENANTS * SMALL_JOBS} small-tenant jobs had not started when the ${sizes.fairnessCapSeconds} s cap ended the run`,
          }
        : {}),
    };
  },
};

export const fairnessScenarios: Record<string, Scenario> = { fairness };
