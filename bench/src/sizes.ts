export type Mode = 'full' | 'quick';

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

export const SIZES: Record<Mode, Sizes> = {
  full: {
    runs: 3,
    warmups: 1,
    enqueueSeconds: 3,
    bulkJobs: 50_000,
    drainJobs: 100_000,
    idleSamples: 1_000,
    rateSeconds: 5,
    backlogDelayed: 1_000_000,
    backlogReady: 100_000,
    crashJobs: 2_000,
    crashWindowSeconds: 30,
    crashRuns: 3,
    fairnessFlood: 50_000,
    verifyEnqueue: true,
  },
  quick: {
    runs: 3,
    warmups: 0,
    enqueueSeconds: 1,
    bulkJobs: 10_000,
    drainJobs: 10_000,
    idleSamples: 200,
    rateSeconds: 1,
    backlogDelayed: 100_000,
    backlogReady: 10_000,
    crashJobs: 500,
    crashWindowSeconds: 15,
    crashRuns: 1,
    fairnessFlood: 5_000,
    verifyEnqueue: true,
  },
};
