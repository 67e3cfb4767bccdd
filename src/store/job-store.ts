/** The jobs slice of the store seam: insert, claim, acknowledge, inspect, maintain. */

import type { NewJob } from '../core/enqueue-options.ts';
import type { DatabaseRejectedError } from '../core/errors.ts';
import type { AttemptError, JobFilter, JobInfo, JobRecord, JobState } from '../core/job.ts';
import type { Scope } from '../core/scope.ts';
import type { SqlExecutor } from '../core/sql-executor.ts';

/** The outcome recorded in a run row. */
export type RunStatus = 'completed' | 'failed' | 'dead' | 'stalled' | 'cancelled';

export interface InsertedJob {
  id: string;
  /** False when a unique key matched an existing job, whose id is returned instead. */
  created: boolean;
  /**
   * True when the job was inserted already active under the worker `jobInsertMany`'s `handoff`
   * named for it (the in-process handoff); that worker must start it. Absent or false otherwise.
   */
  handedOff?: boolean;
}

/** A job handed to a worker by a claim. */
export interface ClaimedJob {
  id: string;
  queue: string;
  name: string;
  payload: unknown;
  priority: number;
  attempt: number;
  maxAttempts: number;
  backoff: NewJob['backoff'];
  timeoutMs: number | null;
  tenantId: string | null;
  groupKey: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  claimedAt: Date;
  /**
   * null: charged by the claim (it went straight to a free slot). Otherwise the job's number in
   * the worker's buffer: the worker must record that it starts jobs up to this number
   * (`workerDeclareStarted`) before it starts it, or a rescue after a crash does not charge it.
   */
  leaseSeq: number | null;
}

/** Resources an attempt used, measured around the handler (process-wide when concurrency > 1). */
export interface AttemptUsage {
  /** User + system CPU time of the process during the attempt. */
  cpuMs: number;
  heapDeltaBytes: number;
  rssDeltaBytes: number;
}

export interface CompletedItem {
  id: string;
  result: unknown;
  startedAt: Date;
  finishedAt: Date;
  /** False when the queue keeps no completed history: the job is only deleted (no run row). */
  record?: boolean;
  usage?: AttemptUsage;
}

export interface FailedItem {
  id: string;
  error: AttemptError;
  /** When to run again; null when out of attempts (the job becomes dead). */
  retryAt: Date | null;
  startedAt: Date;
  finishedAt: Date;
  usage?: AttemptUsage;
}

/**
 * An item of a batch that the database refused on its own (its data): the batch was split until
 * the refused items were alone, and its other items were written (src/store/batch-isolation.ts).
 */
export interface RejectedItem {
  id: string;
  error: DatabaseRejectedError;
}

export interface RescuedJob {
  id: string;
  queue: string;
  name: string;
  state: JobState;
  attempt: number;
  lostWorker: string;
  /** Whether the lost attempt was charged (false: the job was claimed but never started). */
  charged: boolean;
  /** The job's public info as of the lost attempt. */
  job: JobInfo;
}

export type { JobFilter } from '../core/job.ts';

export interface QueueStateCount {
  queue: string;
  state: JobState;
  count: number;
}

export interface RetentionRule {
  queue: string;
  /** Keep at most this many, newest first. */
  keepCount: number | null;
  /** Drop those finished before this instant. */
  finishedBefore: Date | null;
  limit: number;
}

export interface JobStore {
  /**
   * Inserts a batch in one statement; unique keys dedupe (the batch must hold each key once). All
   * or nothing: a refusal rejects the call with a DatabaseRejectedError, a lost connection with a
   * DatabaseTransientError (the caller may split a batch of independent jobs, as InsertBatcher does).
   */
  jobInsertMany(params: {
    jobs: NewJob[];
    now: Date;
    executor?: SqlExecutor;
    /**
     * Per job (same order), the id of an idle local worker that would start it at once, or null;
     * honoured only in a batch without unique keys. Such a job, due now, whose queue has no pause, limit or group rule and no ready job ahead of
     * it, is inserted active under that worker's lease (charged, as a claim charges a job it hands
     * to a free slot) and comes back `handedOff`; otherwise it is inserted as usual.
     */
    handoff?: readonly (string | null)[];
  }): Promise<InsertedJob[]>;
  /**
   * Moves up to `limit` ready jobs of `queue` to active for `workerId`, within the queue's limits:
   * groups round-robin after `cursor` (null: from the first), priority with aging inside a group.
   * Only jobs named in `names` are taken (null: any). The first `startNow` jobs are charged at once;
   * the others are numbered from `seqBase + 1` (see ClaimedJob.leaseSeq).
   * Returns the jobs in the order taken and the cursor for the next claim.
   */
  jobClaim(params: {
    queue: string;
    workerId: string;
    limit: number;
    now: Date;
    cursor?: string | null;
    names?: readonly string[] | null;
    seqBase?: number;
    startNow?: number;
  }): Promise<{ jobs: ClaimedJob[]; cursor: string | null }>;
  /**
   * Completes active jobs and writes their run rows in one statement; returns the ids completed (a
   * job no longer active under this worker's lease is left alone) and the items the database
   * refused (e.g. a result it cannot store), which are not written. Throws only transient errors.
   */
  jobCompleteMany(params: {
    items: CompletedItem[];
    workerId: string;
  }): Promise<{ completed: string[]; rejected: RejectedItem[] }>;
  /**
   * Fails active jobs: back to scheduled/ready for a retry, or dead; writes their run rows. Returns
   * the jobs failed with their new state and the items the database refused, which are not
   * written. Throws only transient errors.
   */
  jobFailMany(params: {
    items: FailedItem[];
    workerId: string;
    now: Date;
  }): Promise<{ failed: { id: string; state: JobState }[]; rejected: RejectedItem[] }>;
  /** Returns active jobs this worker never finished to ready without counting the attempt. */
  jobReturnMany(params: { ids: string[]; workerId: string }): Promise<string[]>;
  /** Promotes due scheduled jobs to ready in one batch; tells when the next one is due. */
  jobPromoteDue(params: { now: Date; limit: number }): Promise<{ promoted: number; nextRunAt: Date | null }>;
  /**
   * Returns the active jobs of workers whose lease expired; expired workers are removed. A job the
   * worker never started (by its start record) goes back to ready uncharged.
   */
  jobRescueExpired(params: { now: Date }): Promise<RescuedJob[]>;
  jobGet(params: { id: string }): Promise<JobRecord | null>;
  jobList(params: { filter: JobFilter; limit: number; afterId?: string }): Promise<JobRecord[]>;
  /** Cancels an unfinished job; returns its state before and its info, or null if it was not cancellable. */
  jobCancel(params: { id: string; now: Date }): Promise<{ previousState: JobState; job: JobInfo } | null>;
  /** Cancels the unfinished jobs of `ids` inside `scope` (the same statement as jobCancel). */
  jobCancelMany(params: {
    scope: Scope;
    ids: string[];
    now: Date;
  }): Promise<{ previousState: JobState; job: JobInfo }[]>;
  /** Records an active job's progress (the caller checked that it is storable JSON). */
  jobProgressSet(params: { id: string; progress: unknown }): Promise<boolean>;
  /** Dead or cancelled jobs back to ready with fresh attempts; returns ids replayed. */
  jobReplay(params: { filter: JobFilter; now: Date }): Promise<string[]>;
  jobCountByState(params: { queue?: string }): Promise<QueueStateCount[]>;
  /** Deletes dead and cancelled jobs beyond a retention rule, at most `limit`; returns how many. */
  jobPruneFinished(params: RetentionRule): Promise<number>;
  /**
   * Deletes run rows with one of `statuses` beyond a retention rule, at most `limit`; returns how
   * many. Rows finished at or after `keepFrom` are neither deleted nor counted among the newest.
   */
  runPrune(params: RetentionRule & { statuses: RunStatus[]; keepFrom: Date | null }): Promise<number>;
  /** Deletes unique-key reservations that expired. */
  keyPruneExpired(params: { now: Date; limit: number }): Promise<number>;
}
