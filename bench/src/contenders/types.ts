/** The job body every contender carries: a key we count, the enqueue time, an optional tenant, padding. */
export interface JobPayload {
  /** Unique key per enqueued job; the handler records it to count lost and duplicated jobs. */
  k: string;
  /** Wall-clock ms (performance.timeOrigin + performance.now()) taken just before enqueue was called. */
  t: number;
  /** Tenant id, only in the fairness workload. */
  tn?: string;
  /** Padding so the serialized payload is about 100 bytes. */
  p: string;
}

export interface EnqueueOptions {
  tenant?: string;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
}

export interface BulkItem extends EnqueueOptions {
  payload: JobPayload;
}

export interface WorkerOptions {
  concurrency: number;
  /** Called at handler start; the handler awaits what it returns (crash workload sleeps here). */
  onJob: (payload: JobPayload) => undefined | Promise<void>;
}

/** Where a contender keeps its jobs for one measured run. */
export interface Target {
  pgUrl: string;
  redis: { host: string; port: number; db: number };
  dataDir: string;
  /**
   * Crash workload: seconds after which a dead worker's jobs may run again (lease, lock duration or
   * heartbeat; each contender clamps it to the shortest its docs allow).
   */
  recoveryLeaseSeconds?: number;
  /** Flow-control workload: limit each group (tenant) to this many running jobs. */
  groupConcurrency?: number;
}

export interface Contender {
  /** Create schema / queues (idempotent: a second process calls it too). */
  setup(): Promise<void>;
  enqueue(payload: JobPayload, options?: EnqueueOptions): Promise<void>;
  enqueueBulk(items: BulkItem[]): Promise<void>;
  startWorker(options: WorkerOptions): Promise<void>;
  /** Graceful stop of the worker, if any. */
  stopWorker(): Promise<void>;
  /**
   * Jobs still stored and not finished (queued, scheduled/delayed or active), read with the
   * contender's own API or tables. Called after the worker stopped: enqueued = completed + pending
   * + lost.
   */
  pending(): Promise<number>;
  /** Release every connection. */
  close(): Promise<void>;
}

export type ContenderFactory = (target: Target) => Contender;
