import type { ScenarioResult } from '../protocol.ts';
import { drain, keys, prefill } from './common.ts';
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
    async run({ spec, make }: RunEnv): Promise<ScenarioResult> {
      const c = make();
      await c.setup();
      const all: string[] = [];
      const perTenant = Math.ceil(spec.sizes.drainJobs / TENANTS);
      for (let t = 0; t < TENANTS; t++) {
        const k = keys(`${spec.runLabel}-g${t}`, perTenant);
        all.push(...k);
        await prefill(c, k, { tenant: `g${t}` });
      }
      const out = await drain(c, all, 50, 240_000);
      await c.close();
      return {
        metrics: {
          [metric]: {
            value: out.rate,
            unit: 'jobs/s',
            extra: {
              jobs: all.length,
              seconds: out.seconds,
              tenants: TENANTS,
              groupConcurrency: limited ? GROUP_LIMIT : null,
            },
          },
        },
        lost: out.lost,
        duplicated: out.duplicated,
      };
    },
  };
}

export const drainLimitScenarios: Record<string, Scenario> = {
  drain_c50_tenants: tenantDrain('drain_c50_tenants', false),
  drain_c50_group_limited: tenantDrain('drain_c50_group_limited', true),
};
