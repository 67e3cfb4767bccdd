/**
 * The operator slice of the store seam, used by the REST API (src/api/): scoped job search and
 * actions, run history, counts, tenants, workers, API keys, the audit log and bulk-action handles.
 * Every method that reads or writes tenant data takes a `scope` (src/core/scope.ts) and its SQL
 * applies it; a row outside the scope is simply not there. Each method runs one `api-*.sql` file.
 */
import type { JobRecord, JobState } from '../core/job.ts';
import type { Scope } from '../core/scope.ts';
import type { QueueStateCount } from './job-store.ts';

export type ApiRole = 'viewer' | 'operator' | 'admin';

/** A search over jobs (live, dead, cancelled; completed from the history). Every field given must match. */
export interface JobSearch {
  states?: JobState[];
  queue?: string;
  name?: string;
  tenantId?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  until?: Date;
  /** JSON containment: the payload holds this (`payload @> value`). */
  payload?: unknown;
  /** A failure group (apiFailureGroups): jobs with a failed attempt of that fingerprint. */
  fingerprint?: string;
  ids?: string[];
}

/** One recorded attempt of a job. */
export interface JobRunRecord {
  runId: string;
  attempt: number;
  status: string;
  result: unknown;
  error: unknown;
  enqueuedAt: Date;
  dueAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date;
  durationMs: number | null;
  waitMs: number | null;
  workerId: string | null;
  workerHost: string | null;
  cpuMs: number | null;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  role: ApiRole;
  tenantId: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface AuditEntry {
  at: Date;
  actor: string;
  role: ApiRole;
  tenantId: string | null;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

export interface BulkActionRow {
  id: string;
  tenantId: string | null;
  action: string;
  filter: unknown;
  status: 'running' | 'done' | 'failed';
  total: number;
  processed: number;
  affected: number;
  error: string | null;
  createdBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface TenantUsage {
  tenantId: string;
  scheduled: number;
  ready: number;
  active: number;
  dead: number;
  completed: number;
  failed: number;
  meanWaitMs: number | null;
  p95WaitMs: number | null;
  meanDurationMs: number | null;
  /** The tenant's group settings per queue (its group key is its id): pause, concurrency, weight. */
  groups: { queue: string; paused: boolean; concurrency: number | null; weight: number }[];
}

export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  startedAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  jobs: { id: string; name: string; queue: string; tenantId: string | null; startedAt: string | null }[];
}

/** What a scoped action over ids did: the ids it changed (others were absent, out of scope or in another state). */
export type JobAction = 'retry' | 'cancel' | 'promote' | 'delete' | 'replay';

export interface ApiStore {
  apiJobSearch(params: {
    scope: Scope;
    search: JobSearch;
    before?: string;
    limit: number;
  }): Promise<JobRecord[]>;
  apiJobGet(params: { scope: Scope; id: string }): Promise<JobRecord | null>;
  apiJobRuns(params: { scope: Scope; id: string }): Promise<JobRunRecord[]>;
  /** Applies `action` to the jobs of `ids` inside the scope; returns the ids affected (replay: the new ids). */
  apiJobAct(params: { scope: Scope; action: JobAction; ids: string[]; now: Date }): Promise<string[]>;
  /** Replaces the payload of a job not running nor finished; null when there is none such in scope. */
  apiJobPayloadSet(params: {
    scope: Scope;
    id: string;
    payload: unknown;
  }): Promise<{ before: unknown; after: unknown } | null>;
  apiCountByState(params: { scope: Scope; queue?: string }): Promise<QueueStateCount[]>;
  /** Per tenant in scope: live counts, attempts in the window, wait and run times, group settings. */
  apiTenantUsage(params: { scope: Scope; since: Date; until: Date }): Promise<TenantUsage[]>;
  apiWorkerList(params: { scope: Scope }): Promise<WorkerRow[]>;
  apiKeyInsert(params: {
    id: string;
    name: string;
    secretHash: Buffer;
    role: ApiRole;
    tenantId: string | null;
    now: Date;
  }): Promise<ApiKeyRow>;
  apiKeyGet(params: { id: string }): Promise<(ApiKeyRow & { secretHash: Buffer }) | null>;
  apiKeyList(params: { includeRevoked: boolean }): Promise<ApiKeyRow[]>;
  apiKeyRevoke(params: { id: string; now: Date }): Promise<ApiKeyRow | null>;
  apiAuditInsert(params: { entry: AuditEntry }): Promise<void>;
  apiAuditList(params: {
    scope: Scope;
    action?: string;
    before?: string;
    limit: number;
  }): Promise<(AuditEntry & { id: string })[]>;
  apiBulkInsert(params: {
    scope: Scope;
    action: string;
    filter: unknown;
    total: number;
    createdBy: string;
    now: Date;
  }): Promise<BulkActionRow>;
  apiBulkProgress(params: {
    id: string;
    processed: number;
    affected: number;
    status: BulkActionRow['status'];
    error: string | null;
    now: Date;
  }): Promise<void>;
  apiBulkGet(params: { scope: Scope; id: string }): Promise<BulkActionRow | null>;
}
