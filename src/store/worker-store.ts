/** The worker-lease slice of the store seam: one row and one heartbeat per worker process. */

export interface WorkerStore {
  workerRegister(params: {
    id: string;
    host: string;
    pid: number;
    queues: string[];
    now: Date;
    leaseMs: number;
    /** The worker's start record so far (0 for a new worker). */
    startedSeq?: number;
    /** The job names it can run (shown by "why is this job waiting?"); omitted: not recorded. */
    names?: readonly string[];
  }): Promise<void>;
  /**
   * Records that the worker starts its buffered jobs numbered up to `startedSeq` (ClaimedJob.leaseSeq);
   * call it before starting them. False if the worker is not registered (its lease expired).
   */
  workerDeclareStarted(params: { id: string; startedSeq: number }): Promise<boolean>;
  /**
   * Extends the worker's lease; reports whether it was still registered, which of its jobs were
   * cancelled, and which jobs are active under its lease.
   */
  workerHeartbeat(params: {
    id: string;
    now: Date;
    leaseMs: number;
  }): Promise<{ alive: boolean; cancelledIds: string[]; heldIds: string[] }>;
  workerRemove(params: { id: string }): Promise<void>;
}
