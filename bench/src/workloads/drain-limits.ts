import type { ScenarioResult } from '../protocol.ts';
import { cpuOptions, drainResult, drainWindow, prefill, topUpKeys } from './common.ts';
import type { RunEnv, Scenario } from './types.ts';

const TENANTS = 100;
/** Per-tenant limit: 100 tenants × 2 leaves room for concurrency 50, so the limit costs checks, not slots. */
export const GROUP_LIMIT = 2;

/**
 * The drain_c50 workload with the jobs spread over 100 tenants: `drain_c50_tenants` without limits
 * (every contender; FIFO peers ignore the tenant), `drain_c50_group_limited` with a per-tenant
 * concurrency limit of 2 enforced in the claim (contenders that offer one). Their ratio is the cost
 * of the limits (issue target ≥ 0.8).
 */
function tenantDrain(metric: string, limited: boolean): Scenario {
  return {
    metrics: [metric],
    ...(limited ? { groupConcurrency: GROUP_LIMIT } : {}),
    ...(limited
      ? {
          skip: (info: { key: string }) =>
            info.key.startsWith('conveyor')
              ? undefined
              : 'no per-group concurrency limit in its open-source API',
        }
      : {}),
    async run(env: RunEnv): Promise<ScenarioResult> {
      const { run, session, make, vacuumAnalyze } = env;
      const { sizes } = run;
      const c = make();
      await c.setup();
      // the new jobs in blocks of one tenant each, tenants g0..g99 in turn
      const fresh = topUpKeys(session.ledger, run.label, sizes.drainJobs);
      const perTenant = Math.ceil(fresh.length / TENANTS);
      await prefill(c, session.ledger, fresh, {
        producers: sizes.prefillProducers,
        tenantOf: (i) => `g${Math.floor(i / perTenant)}`,
      });
      await vacuumAnalyze();
      const w = await drainWindow(c, session.ledger, 50, sizes.drainCapSeconds, cpuOptions(env));
      await c.close();
      return drainResult(
        metric,
        w,
        { capSeconds: sizes.drainCapSeconds, topUp: fresh.length },
        { tenants: TENANTS, groupConcurrency: limited ? GROUP_LIMIT : null },
      );
    },
  };
}

export const drainLimitScenarios: Record<string, Scenario> = {
  drain_c50_tenants: tenantDrain('drain_c50_tenants', false),
  drain_c50_group_limited: tenantDrain('drain_c50_group_limited', true),
};
