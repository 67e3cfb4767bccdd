export type Mode = 'full' | 'quick';

/** Job counts, caps and durations per mode (issue #3). */
export interface Sizes {
  /** Counted runs per contender and workload. */
  runs: number;
  /** Warm-up runs (not counted), at `warmupSizes`. */
  warmups: number;
  /** Concurrent producers that queue the jobs a run starts from (bulk calls of 1,000; not timed). */
  prefillProducers: number;
  /** Seconds each single-enqueue run lasts. */
  enqueueSeconds: number;
  /** Jobs in the bulk-enqueue run (batches of 1,000 from one producer). */
  bulkJobs: number;
  /**
   * Seconds the untimed drain after an enqueue run may take to count lost and duplicated jobs;
   * jobs still queued then are counted with the contender's pending(), not as lost.
   */
  verifyCapSeconds: number;
  /** Jobs queued when a drain run starts. */
  drainJobs: number;
  /** A drain run ends when every queued job ran or this many seconds after the worker start. */
  drainCapSeconds: number;
  /** Sequential idle wake-up samples. */
  idleSamples: number;
  /** Seconds of fixed-rate arrivals at 500/s and 2,000/s. */
  rateSeconds: number;
  /** Milliseconds a latency run waits after starting its worker, so it is in its idle wait. */
  settleMs: number;
  /** Far-future jobs in the backlog workload (queued once per contender, kept across its runs). */
  backlogDelayed: number;
  /** Ready jobs drained without and with the backlog (capped like a drain run). */
  backlogReady: number;
  /** Jobs in the crash workload, and how long to wait for recovery. */
  crashJobs: number;
  crashWindowSeconds: number;
  crashRuns: number;
  /** Lease / lock duration the crash workload asks every contender for (clamped to what it allows). */
  crashLeaseSeconds: number;
  /** Jobs the big tenant has queued in the fairness workload (99 small tenants add 10 each). */
  fairnessFlood: number;
  /** A fairness run ends when every small-tenant job started or this many seconds after the worker start. */
  fairnessCapSeconds: number;
  /** Drain what an enqueue run added and count it (lost / duplicated). */
  verifyEnqueue: boolean;
}

/**
 * Seconds after which the runner stops adding warm-ups and extra runs (every remaining workload
 * still gets one counted run per contender): a safety net, the plans below fit without it.
 */
export const BUDGET_SECONDS: Record<Mode, number> = {
  full: 1_680,
  // quick: ~205 s of runs before cold_start_ms (6 contenders × 3 runs of ~1–1.5 s, each a fresh
  // worker process) came last; at 220 s that workload got one counted run on a quiet machine.
  quick: 270,
};

/**
 * full: `npm run bench`, the sizes issue #3 names (100k drain, 1M delayed + 100k ready backlog,
 *   50k flood, 1,000 idle samples), one reduced warm-up and 3 counted runs, in 30 minutes with
 *   seven contenders on two cores thanks to capped drain windows (see README).
 * quick: `npm run bench:quick`, 3 counted runs at reduced sizes, no warm-up, in under 5 minutes.
 */
export const SIZES: Record<Mode, Sizes> = {
  full: {
    runs: 3,
    warmups: 1,
    prefillProducers: 4,
    enqueueSeconds: 1,
    bulkJobs: 10_000,
    verifyCapSeconds: 1,
    drainJobs: 100_000,
    drainCapSeconds: 3.5,
    idleSamples: 1_000,
    rateSeconds: 2,
    settleMs: 300,
    backlogDelayed: 1_000_000,
    backlogReady: 100_000,
    crashJobs: 600,
    crashWindowSeconds: 13,
    crashRuns: 3,
    crashLeaseSeconds: 5,
    fairnessFlood: 50_000,
    fairnessCapSeconds: 7,
    verifyEnqueue: true,
  },
  quick: {
    runs: 3,
    warmups: 0,
    prefillProducers: 4,
    enqueueSeconds: 0.2,
    bulkJobs: 2_000,
    verifyCapSeconds: 0.2,
    drainJobs: 1_000,
    drainCapSeconds: 0.5,
    idleSamples: 100,
    rateSeconds: 0.2,
    settleMs: 100,
    backlogDelayed: 10_000,
    backlogReady: 1_000,
    crashJobs: 100,
    crashWindowSeconds: 1.75,
    crashRuns: 3,
    crashLeaseSeconds: 1,
    fairnessFlood: 1_000,
    fairnessCapSeconds: 1.25,
    verifyEnqueue: true,
  },
};

/**
 * Warm-up runs only warm the store, the server and the session's process (JIT, pools), so they are
 * small: 1,000 queued jobs, half-second windows, a tenth of the idle samples. backlogDelayed stays:
 * the backlog store is filled once, by whichever run comes first.
 */
export function warmupSizes(s: Sizes): Sizes {
  const part = (n: number, divisor: number, min: number) =>
    Math.min(n, Math.max(min, Math.round(n / divisor)));
  return {
    ...s,
    enqueueSeconds: Math.min(s.enqueueSeconds, 0.25),
    bulkJobs: part(s.bulkJobs, 10, 1_000),
    verifyCapSeconds: Math.min(s.verifyCapSeconds, 0.5),
    drainJobs: part(s.drainJobs, 100, 1_000),
    drainCapSeconds: Math.min(s.drainCapSeconds, 0.5),
    idleSamples: part(s.idleSamples, 10, 50),
    rateSeconds: Math.min(s.rateSeconds, 0.25),
    backlogReady: part(s.backlogReady, 100, 1_000),
    fairnessFlood: part(s.fairnessFlood, 25, 1_000),
    fairnessCapSeconds: Math.min(s.fairnessCapSeconds, 1),
  };
}
