import type { ContenderInfo } from '../contenders/index.ts';
import type { Contender, ContenderFactory } from '../contenders/types.ts';
import type { Ledger } from '../ledger.ts';
import type { ChildSpec, ScenarioResult } from '../protocol.ts';
import type { Sizes } from '../sizes.ts';
import type { DrainWindow } from './common.ts';

/** What one session (one workload, one contender, one store) keeps from run to run. */
export interface SessionState {
  ledger: Ledger;
  /** backlog: the empty-table drain, measured once before the delayed jobs were queued. */
  backlogBaseline?: DrainWindow & { fillSeconds: number };
}

/** One run of a session. */
export interface RunSpec {
  /** Prefix of every job key this run queues (unique within the session). */
  label: string;
  warmup: boolean;
  /** The counted sizes, or the warm-up's reduced ones. */
  sizes: Sizes;
}

export interface RunEnv {
  spec: ChildSpec;
  run: RunSpec;
  session: SessionState;
  info: ContenderInfo;
  factory: ContenderFactory;
  /** A fresh contender instance on the session's store (each run sets it up and closes it). */
  make(): Contender;
  /**
   * VACUUM ANALYZE the session's PostgreSQL database after a fill (untimed): fresh planner
   * statistics, no dead rows left by the store's earlier runs. A no-op for Redis, PGlite, and with
   * --no-vacuum-analyze.
   */
  vacuumAnalyze(): Promise<void>;
}

export interface Scenario {
  /** The result keys this scenario fills. */
  metrics: string[];
  /** A reason this contender cannot run the scenario, if it cannot. */
  skip?(info: ContenderInfo): string | undefined;
  /**
   * A fresh store for every run (crash: a killed worker leaves locked jobs behind). Otherwise one
   * store per contender and workload, kept across its runs.
   */
  storePerRun?: boolean;
  /** Ask the contender for a short lease / lock (crash workload: sizes.crashLeaseSeconds). */
  fastRecovery?: boolean;
  /** Ask the contender to limit each group (tenant) to this many running jobs. */
  groupConcurrency?: number;
  run(env: RunEnv): Promise<ScenarioResult>;
}
