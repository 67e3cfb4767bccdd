/** The queue-settings slice of the store seam: limits, pause and group overrides (flow control). */

/** A queue's stored settings. Limits are null when unset. */
export interface QueueSettingsRow {
  name: string;
  paused: boolean;
  priority: number;
  globalConcurrency: number | null;
  groupConcurrency: number | null;
  rateLimit: number | null;
  rateIntervalMs: number | null;
  groupRateLimit: number | null;
  groupRateIntervalMs: number | null;
  agingMs: number;
  /** Some group of the queue is paused, weighted or has its own limit. */
  hasGroupRules: boolean;
}

/** A change to a queue's settings: only the fields present change; null clears a limit. */
export type QueueSettingsChange = Partial<Omit<QueueSettingsRow, 'name' | 'hasGroupRules'>>;

export interface GroupSettingsRow {
  queue: string;
  /** null is the shared group of jobs without tenant or group key. */
  groupKey: string | null;
  paused: boolean;
  concurrency: number | null;
  weight: number;
}

export type GroupSettingsChange = Partial<Pick<GroupSettingsRow, 'paused' | 'concurrency' | 'weight'>>;

export interface QueueStore {
  queueUpsert(params: { name: string; change: QueueSettingsChange; now: Date }): Promise<void>;
  queueList(params: { names?: string[] }): Promise<QueueSettingsRow[]>;
  queueGroupUpsert(params: {
    queue: string;
    groupKey: string | null;
    change: GroupSettingsChange;
    now: Date;
  }): Promise<GroupSettingsRow>;
  queueGroupList(params: { queue: string }): Promise<GroupSettingsRow[]>;
  /**
   * When the first start still counted against a rate limit of the queue (or of one of its groups)
   * leaves its sliding window; null when none is counted.
   */
  queueRateFreeAt(params: { queue: string; now: Date }): Promise<Date | null>;
}
