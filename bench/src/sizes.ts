export type Mode = 'issue' | 'full' | 'quick';

/** Job counts and durations per mode (issue #3). */
export interface Sizes {
  /** Counted runs per contender and workload. */
  runs: number;
  /** Warm-up runs (not counted). */
  warmups: number;
  /** Seconds each single-enqueue run lasts. */
  enqueueSeconds: number;
  /** Jobs in the bulk-enqueue run (batches of 1,000). */
  bulkJobs: number;
  /** Jobs queued before a drain run. */
  drainJobs: number;
  /** Sequential idle wake-up samples. */
  idleSamples: number;
  /** Seconds of fixed-rate arrivals at 500/s and 2,000/s. */
  rateSeconds: number;
  /** Far-future jobs in the backlog workload. */
  backlogDelayed: number;
  /** Ready jobs drained with and without the backlog. */
  backlogReady: number;
  /** Jobs in the crash workload, and how long to wait for recovery. */
  crashJobs: number;
  crashWindowSeconds: number;
  crashRuns: number;
  /** Jobs the big tenant floods in the fairness workload (99 small tenants add 10 each). */
  fairnessFlood: number;
  /** Drain what an enqueue run added and count it (lost / duplicated). */
  verifyEnqueue: boolean;
}

/**
 * Seconds after which the runner stops adding warm-ups and extra runs (every remaining workload
 * still gets one counted run per contender), so `bench` ends within 30 minutes on a busy machine.
 */
export const BUDGET_SECONDS: Record<Mode, number> = {
  issue: Number.POSITIVE_INFINITY,
  full: 1_680,
  quick: 270,
};

/**
 * issue: the sizes issue #3 names (100k drain, 1M delayed backlog, 50k flood), 3 runs + warm-up;
 *   takes hours with seven contenders on two cores, so it is not what `bench` runs.
 * full: `npm run bench`, scaled so seven contenders fit in 30 minutes: 3 counted runs + a warm-up
 *   at a tenth of the size.
 * quick: `npm run bench:quick`, one counted run at reduced sizes, about 4 minutes.
 */
export const SIZES: Record<Mode, Sizes> = {
  issue: {
    runs: 3,
    warmups: 1,
    enqueueSeconds: 5,
    bulkJobs: 100_000,
    drainJobs: 100_000,
    idleSamples: 1_000,
    rateSeconds: 10,
    backlogDelayed: 1_000_000,
    backlogReady: 100_000,
    crashJobs: 2_000,
    crashWindowSeconds: 60,
    crashRuns: 3,
    fairnessFlood: 50_000,
    verifyEnqueue: true,
  },
  full: {
    runs: 3,
    warmups: 1,
    enqueueSeconds: 1.5,
    bulkJobs: 15_000,
    drainJobs: 10_000,
    idleSamples: 400,
    rateSeconds: 2,
    backlogDelayed: 100_000,
    backlogReady: 10_000,
    crashJobs: 600,
    crashWindowSeconds: 20,
    crashRuns: 3,
    fairnessFlood: 8_000,
    verifyEnqueue: true,
  },
  quick: {
    runs: 1,
    warmups: 0,
    enqueueSeconds: 0.5,
    bulkJobs: 5_000,
    drainJobs: 5_000,
    idleSamples: 200,
    rateSeconds: 1,
    backlogDelayed: 50_000,
    backlogReady: 5_000,
    crashJobs: 300,
    crashWindowSeconds: 15,
    crashRuns: 1,
    fairnessFlood: 5_000,
    verifyEnqueue: true,
  },
};

/** Warm-up runs use a tenth of the counted size (they only warm caches, JIT and the server). */
export function warmupSizes(s: Sizes): Sizes {
  const tenth = (n: number, min: number) => Math.max(min, Math.round(n / 10));
  return {
    ...s,
    enqueueSeconds: Math.min(s.enqueueSeconds, 0.5),
    bulkJobs: tenth(s.bulkJobs, 1_000),
    drainJobs: tenth(s.drainJobs, 1_000),
    idleSamples: tenth(s.idleSamples, 50),
    rateSeconds: Math.min(s.rateSeconds, 0.5),
    backlogDelayed: tenth(s.backlogDelayed, 1_000),
    backlogReady: tenth(s.backlogReady, 1_000),
    fairnessFlood: tenth(s.fairnessFlood, 1_000),
  };
}
