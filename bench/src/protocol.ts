import type { Target } from './contenders/types.ts';
import type { Sizes } from './sizes.ts';

/** One figure a scenario produces. */
export interface Metric {
  value: number | null;
  unit: 'jobs/s' | 'ms' | 'share' | 's';
  extra?: Record<string, unknown>;
}

export interface ScenarioResult {
  metrics: Record<string, Metric>;
  lost: number;
  duplicated: number;
  note?: string;
}

/** What the runner hands a child process (env BENCH_SPEC). */
export interface ChildSpec {
  role: 'run' | 'worker';
  contender: string;
  scenario: string;
  runLabel: string;
  target: Target;
  sizes: Sizes;
  /** role 'worker' only */
  concurrency?: number;
  sleepMs?: number;
}

/** Messages a worker process sends to the run process that spawned it. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'batch'; started: [string, number][]; done: string[]; lastAt: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

/** Messages a run process sends to the runner. */
export type RunMessage = { type: 'result'; result: ScenarioResult } | { type: 'error'; message: string };
