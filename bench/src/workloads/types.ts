import type { ContenderInfo } from '../contenders/index.ts';
import type { Contender, ContenderFactory } from '../contenders/types.ts';
import type { ChildSpec, ScenarioResult } from '../protocol.ts';

export interface RunEnv {
  spec: ChildSpec;
  info: ContenderInfo;
  factory: ContenderFactory;
  /** A fresh contender instance on this run's store. */
  make(): Contender;
}

export interface Scenario {
  /** The result keys this scenario fills. */
  metrics: string[];
  /** A reason this contender cannot run the scenario, if it cannot. */
  skip?(info: ContenderInfo): string | undefined;
  /** Ask the contender for its fastest documented crash detection (crash workload). */
  fastRecovery?: boolean;
  /** Ask the contender to limit each group (tenant) to this many running jobs. */
  groupConcurrency?: number;
  run(env: RunEnv): Promise<ScenarioResult>;
}
