/** Maps rows of the jobs and job_runs queries to the store's types. */
import type { BackoffPolicy } from '../../core/backoff.ts';
import type { AttemptError, JobInfo, JobRecord, JobState } from '../../core/job.ts';
import type { Row } from '../sql-driver.ts';
import type { ClaimedJob } from '../store.ts';

const asDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
const asDateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : asDate(value);
const asStringOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const asNumberOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
/** '' is the shared group in storage; the API calls it null. */
const asGroupKey = (value: unknown): string | null => (value === '' ? null : asStringOrNull(value));

export function claimedJobFromRow(row: Row): ClaimedJob {
  return {
    id: String(row.id),
    queue: String(row.queue),
    name: String(row.name),
    payload: row.payload,
    priority: Number(row.priority),
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    backoff: (row.backoff ?? null) as BackoffPolicy | null,
    timeoutMs: asNumberOrNull(row.timeout_ms),
    tenantId: asStringOrNull(row.tenant_id),
    groupKey: asGroupKey(row.group_key),
    metadata: (row.metadata ?? null) as Record<string, unknown> | null,
    createdAt: new Date(Number(row.created_ms)),
    claimedAt: new Date(Number(row.claimed_ms)),
    leaseSeq: asNumberOrNull(row.lease_seq),
  };
}

/** A job's public info from a row with `created_ms` and `claimed_ms` (epoch ms; null: not claimed). */
export function jobInfoFromRow(row: Row): JobInfo {
  return {
    id: String(row.id),
    name: String(row.name),
    queue: String(row.queue),
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    priority: Number(row.priority),
    tenantId: asStringOrNull(row.tenant_id),
    groupKey: asGroupKey(row.group_key),
    metadata: (row.metadata ?? null) as Record<string, unknown> | null,
    createdAt: new Date(Number(row.created_ms)),
    claimedAt:
      row.claimed_ms === null || row.claimed_ms === undefined ? null : new Date(Number(row.claimed_ms)),
  };
}

export function jobRecordFromRow(row: Row): JobRecord {
  return {
    id: String(row.id),
    queue: String(row.queue),
    name: String(row.name),
    state: String(row.state) as JobState,
    payload: row.payload,
    priority: Number(row.priority),
    runAt: asDate(row.run_at),
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    timeoutMs: asNumberOrNull(row.timeout_ms),
    tenantId: asStringOrNull(row.tenant_id),
    groupKey: asGroupKey(row.group_key),
    uniqueKey: asStringOrNull(row.unique_key),
    metadata: (row.metadata ?? null) as Record<string, unknown> | null,
    progress: row.progress ?? null,
    result: row.result ?? null,
    errors: (row.errors ?? []) as AttemptError[],
    createdAt: asDate(row.created_at),
    startedAt: asDateOrNull(row.started_at),
    finishedAt: asDateOrNull(row.finished_at),
  };
}
