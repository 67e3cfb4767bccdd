/**
 * What the run history (`job_runs`: one row per attempt) answers: the windows analytics read, their
 * results, and alert incidents. Owned by observability; the store's history slice returns them.
 */

/** Which runs an analytics query reads: finished in [since, until), optionally one queue/job/tenant. */
export interface RunWindow {
  since: Date;
  until: Date;
  queue?: string;
  name?: string;
  tenantId?: string;
}

export interface JobRunStats {
  queue: string;
  name: string;
  total: number;
  completed: number;
  /** Failed, dead and stalled attempts. */
  failed: number;
  dead: number;
  stalled: number;
  cancelled: number;
  avgDurationMs: number | null;
  maxDurationMs: number | null;
  avgWaitMs: number | null;
  lastFinishedAt: Date | null;
}

export interface OverallRunStats {
  total: number;
  completed: number;
  failed: number;
  dead: number;
  stalled: number;
  cancelled: number;
  /** Distinct jobs, job names and workers seen. */
  jobs: number;
  jobNames: number;
  workers: number;
  avgDurationMs: number | null;
  avgWaitMs: number | null;
  totalCpuMs: number | null;
}

export interface WorkerRunStats {
  workerId: string;
  workerHost: string | null;
  total: number;
  completed: number;
  failed: number;
  avgDurationMs: number | null;
  busyMs: number | null;
  totalCpuMs: number | null;
  avgHeapDeltaBytes: number | null;
  maxRssDeltaBytes: number | null;
  firstStartedAt: Date | null;
  lastFinishedAt: Date | null;
}

export interface FailedRun {
  runId: string;
  jobId: string;
  queue: string;
  name: string;
  tenantId: string | null;
  attempt: number;
  status: 'failed' | 'dead' | 'stalled';
  errorName: string | null;
  errorMessage: string | null;
  errorStack: string | null;
  errorCode: string | null;
  payload: unknown;
  workerId: string | null;
  workerHost: string | null;
  startedAt: Date | null;
  finishedAt: Date;
  durationMs: number | null;
}

export interface ErrorGroup {
  errorName: string;
  /** The message with quoted values, UUIDs and numbers replaced by <str>, <uuid>, <n>. */
  pattern: string;
  count: number;
  names: string[];
  firstSeenAt: Date;
  lastSeenAt: Date;
  sampleMessage: string;
}

export interface DurationPercentiles {
  queue: string;
  name: string;
  count: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  avgWaitMs: number | null;
}

export interface SlowRun {
  runId: string;
  jobId: string;
  queue: string;
  name: string;
  tenantId: string | null;
  attempt: number;
  status: string;
  durationMs: number;
  waitMs: number | null;
  cpuMs: number | null;
  heapDeltaBytes: number | null;
  workerId: string | null;
  workerHost: string | null;
  startedAt: Date | null;
  finishedAt: Date;
}

export interface ThroughputBucket {
  bucket: Date;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface ConsecutiveFailures {
  queue: string;
  name: string;
  failures: number;
  lastError: string | null;
  lastFailedAt: Date;
}

export interface LatestDuration {
  queue: string;
  name: string;
  latestJobId: string;
  latestMs: number;
  baselineAvgMs: number | null;
  baselineCount: number;
}

export interface IncidentInput {
  rule: string;
  kind: string;
  subject: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
}

export interface Incident extends IncidentInput {
  id: string;
  openedAt: Date;
  resolvedAt: Date | null;
}
