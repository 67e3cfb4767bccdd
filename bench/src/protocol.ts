import type { Target } from './contenders/types.ts';
import type { Sizes } from './sizes.ts';

/** One figure a scenario produces. */
export interface Metric {
  value: number | null;
  unit: 'jobs/s' | 'events/s' | 'ms' | 'share' | 's';
  extra?: Record<string, unknown>;
  /** Drain and enqueue workloads: CPU per job over the window, total and split (cpu-meter.ts). */
  cpu_us_per_job?: number | null;
  db_us_per_job?: number | null;
  client_us_per_job?: number | null;
}

export interface ScenarioResult {
  metrics: Record<string, Metric>;
  lost: number;
  duplicated: number;
  note?: string;
  /** A cap ended the measured window before every job ran (the rest was counted as pending). */
  capped?: boolean;
  /** Jobs that ran within the measured window. */
  completed?: number;
  /** Unfinished jobs left in the store after the worker stopped. */
  pending?: number;
}

/**
 * One workload on one contender's store: what a session runs, and what the worker and init-store
 * processes get in env BENCH_SPEC.
 */
export interface ChildSpec {
  /**
   * worker: a bare worker for runs that need another process; init-store: creates the
   * contender's schema and exits (PGlite template); session: the spec a session runs with.
   */
  role: 'session' | 'worker' | 'init-store';
  contender: string;
  scenario: string;
  target: Target;
  /** The counted runs' sizes (a warm-up run derives its own with warmupSizes). */
  sizes: Sizes;
  /** VACUUM ANALYZE a PostgreSQL store after each fill (RunEnv.vacuumAnalyze). */
  vacuumAnalyzeAfterFill?: boolean;
  /** role 'worker' only */
  concurrency?: number;
  /** role 'worker': start the worker as soon as the contender is set up, without waiting for 'go'. */
  startAtOnce?: boolean;
  sleepMs?: number;
}

/** env BENCH_SPEC of a session: one contender, every workload's runs, one 'run' command each. */
export interface SessionLaunch {
  role: 'session';
  contender: string;
}

/** What the runner asks a session to do. */
export type SessionCommand =
  | {
      type: 'run';
      spec: ChildSpec;
      /** Prefix of every job key the run queues (unique per store). */
      label: string;
      warmup: boolean;
      /** The store was (re)created since the last run: start a new SessionState. */
      freshStore: boolean;
    }
  | { type: 'exit' };

/** Messages a worker process sends to the run process that spawned it. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'batch'; started: [string, number][]; done: string[]; lastAt: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

/** Messages a session (or init-store) process sends to the runner. */
export type RunMessage =
  | { type: 'ready' }
  | { type: 'result'; result: ScenarioResult }
  | { type: 'error'; message: string };
