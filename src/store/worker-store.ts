/** The worker-lease slice of the store seam: one row and one heartbeat per worker process. */

export interface WorkerStore {
  workerRegister(params: {
    id: string;
    host: string;
    pid: number;
    queues: string[];
    now: Date;
    leaseMs: number;
  }): Promise<void>;
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
