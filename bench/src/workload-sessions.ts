import type { ContenderInfo } from './contenders/index.ts';
import type { ChildSpec } from './protocol.ts';
import { type RunOutcome, Session } from './session.ts';
import type { SessionPool } from './session-pool.ts';
import type { Sizes } from './sizes.ts';
import { createStore, removeStore, type StoreRef } from './store-lifecycle.ts';
import { REDIS } from './stores.ts';
import type { Scenario } from './workloads/types.ts';

/** One contender's store for this workload, and the session process that last ran on it. */
interface Placement {
  store: StoreRef;
  session: Session | undefined;
  runs: number;
}

/**
 * One workload's stores: per contender a store of its own, created when the workload starts,
 * kept across its runs and dropped when it ends. The store is created anew before every run when
 * the scenario asks for storePerRun, and after the contender's session process was replaced (a
 * failed run), so a session's ledger always matches its store.
 */
export class WorkloadSessions {
  private readonly scenarioName: string;
  private readonly scenario: Scenario;
  private readonly sizes: Sizes;
  private readonly vacuumAnalyzeAfterFill: boolean;
  private readonly pool: SessionPool;
  private readonly placements = new Map<string, Placement>();
  private readonly failedStarts = new Map<string, RunOutcome>();

  constructor(
    scenarioName: string,
    scenario: Scenario,
    sizes: Sizes,
    vacuumAnalyzeAfterFill: boolean,
    pool: SessionPool,
  ) {
    this.scenarioName = scenarioName;
    this.scenario = scenario;
    this.sizes = sizes;
    this.vacuumAnalyzeAfterFill = vacuumAnalyzeAfterFill;
    this.pool = pool;
  }

  /** Creates every contender's store and makes sure its session runs, all at once. */
  async startAll(contenders: ContenderInfo[]): Promise<void> {
    await Promise.all(
      contenders.map(async (c) => {
        const [store, session] = await Promise.all([createStore(c, this.scenarioName), this.pool.get(c)]);
        this.placements.set(c.key, { store, session: undefined, runs: 0 });
        if (!(session instanceof Session)) this.failedStarts.set(c.key, session);
      }),
    );
  }

  /** One run of contender `c` (label: the key prefix of the jobs it queues). */
  async run(c: ContenderInfo, label: string, warmup: boolean, timeoutMs: number): Promise<RunOutcome> {
    const failed = this.failedStarts.get(c.key);
    if (failed) {
      this.failedStarts.delete(c.key);
      return failed;
    }
    const session = await this.pool.get(c);
    if (!(session instanceof Session)) return session;
    const placement = this.placements.get(c.key)!;
    const replaced = placement.session !== undefined && placement.session !== session;
    if (replaced || (this.scenario.storePerRun && placement.runs > 0)) {
      // the session closed its contender after the last run (or is a new process): no connections
      await removeStore(c, this.scenarioName);
      placement.store = await createStore(c, this.scenarioName);
      placement.session = undefined;
    }
    const freshStore = placement.session === undefined;
    placement.session = session;
    placement.runs++;
    return session.run(
      { type: 'run', spec: this.spec(c, placement.store), label, warmup, freshStore },
      timeoutMs,
    );
  }

  /** Drops every store (all at once: nothing is measured now); the sessions stay for the next workload. */
  async endAll(contenders: ContenderInfo[]): Promise<void> {
    await Promise.all(contenders.map((c) => removeStore(c, this.scenarioName)));
    this.placements.clear();
  }

  private spec(c: ContenderInfo, store: StoreRef): ChildSpec {
    return {
      role: 'session',
      contender: c.key,
      scenario: this.scenarioName,
      target: {
        ...store,
        redis: REDIS,
        ...(this.scenario.fastRecovery ? { recoveryLeaseSeconds: this.sizes.crashLeaseSeconds } : {}),
        ...(this.scenario.groupConcurrency ? { groupConcurrency: this.scenario.groupConcurrency } : {}),
      },
      sizes: this.sizes,
      vacuumAnalyzeAfterFill: this.vacuumAnalyzeAfterFill,
    };
  }
}
