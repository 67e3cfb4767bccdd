import { backlogScenarios } from './backlog.ts';
import { coldStartScenarios } from './cold-start.ts';
import { crashScenarios } from './crash.ts';
import { drainScenarios } from './drain.ts';
import { drainLimitScenarios } from './drain-limits.ts';
import { enqueueScenarios } from './enqueue.ts';
import { fairnessScenarios } from './fairness.ts';
import { latencyScenarios } from './latency.ts';
import type { Scenario } from './types.ts';

/** Every scenario, in the order the runner measures them. */
export const SCENARIOS: Record<string, Scenario> = {
  ...enqueueScenarios,
  ...drainScenarios,
  ...drainLimitScenarios,
  ...latencyScenarios,
  ...backlogScenarios,
  ...crashScenarios,
  ...fairnessScenarios,
  ...coldStartScenarios,
};
