/**
 * A job as stored. State machine (docs/state-machine.md):
 *   scheduled → ready → active → completed
 *   active → (failure, attempts left) → scheduled/ready with backoff; (none left) → dead
 *   active → (lease lost: worker died) → ready, counted as an attempt
 *   scheduled | ready | active → cancelled;  dead | cancelled → (replay) → ready
 * Completed jobs leave the jobs table for the run history (`job_runs`) in the completing statement.
 */
export type JobState = 'scheduled' | 'ready' | 'active' | 'completed' | 'dead' | 'cancelled';

export const JOB_STATES: readonly JobState[] = [
  'scheduled',
  'ready',
  'active',
  'completed',
  'dead',
  'cancelled',
];

/** One failed attempt, as kept on the job. */
export interface AttemptError {
  attempt: number;
  message: string;
  name?: string;
  stack?: string;
  code?: string;
  at: string;
}

export interface JobRecord {
  id: string;
  queue: string;
  name: string;
  state: JobState;
  payload: unknown;
  priority: number;
  runAt: Date;
  attempt: number;
  maxAttempts: number;
  timeoutMs: number | null;
  tenantId: string | null;
  groupKey: string | null;
  uniqueKey: string | null;
  metadata: Record<string, unknown> | null;
  progress: unknown;
  result: unknown;
  errors: AttemptError[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What a handler sees of its job. */
export interface JobInfo {
  id: string;
  name: string;
  queue: string;
  attempt: number;
  maxAttempts: number;
  priority: number;
  tenantId: string | null;
  groupKey: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  /**
   * When this attempt was claimed (rate limits count claims; a start follows within ms); null for
   * a job that was not claimed (a queued job cancelled).
   */
  claimedAt: Date | null;
}

/** A job's public info during an attempt (the handler's `job`, and the attempt's events). */
export interface RunningJobInfo extends JobInfo {
  claimedAt: Date;
}

/** Which jobs a listing, a count or a replay is about; every field given must match. */
export interface JobFilter {
  states?: JobState[];
  queue?: string;
  name?: string;
  tenantId?: string;
  ids?: string[];
}
