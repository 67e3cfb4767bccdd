/** The operator slice of the store over SQL files (api-*.sql): every tenant read and write takes a scope. */
import { scopeTenant } from '../../core/scope.ts';
import type {
  ApiKeyRow,
  ApiRole,
  ApiStore,
  AuditEntry,
  BulkActionRow,
  JobAction,
  JobRunRecord,
  TenantUsage,
} from '../api-store.ts';
import type { Row } from '../sql-driver.ts';
import { jobRecordFromRow } from './job-rows.ts';
import type { StatementContext } from './statement-context.ts';

const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
const dateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : date(value);
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const numberOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
/** jsonb parameters travel as JSON text (undefined and null both as SQL NULL). */
const jsonParam = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

function keyFromRow(row: Row): ApiKeyRow {
  return {
    id: String(row.id),
    name: String(row.name),
    role: String(row.role) as ApiRole,
    tenantId: textOrNull(row.tenant_id),
    createdAt: date(row.created_at),
    revokedAt: dateOrNull(row.revoked_at),
  };
}

function runFromRow(row: Row): JobRunRecord {
  return {
    runId: String(row.run_id),
    attempt: Number(row.attempt),
    status: String(row.status),
    result: row.result ?? null,
    error: row.error ?? null,
    enqueuedAt: date(row.enqueued_at),
    dueAt: dateOrNull(row.due_at),
    startedAt: dateOrNull(row.started_at),
    finishedAt: date(row.finished_at),
    durationMs: numberOrNull(row.duration_ms),
    waitMs: numberOrNull(row.wait_ms),
    workerId: textOrNull(row.worker_id),
    workerHost: textOrNull(row.worker_host),
    cpuMs: numberOrNull(row.cpu_ms),
  };
}

function bulkFromRow(row: Row): BulkActionRow {
  return {
    id: String(row.id),
    tenantId: textOrNull(row.tenant_id),
    action: String(row.action),
    filter: row.filter,
    status: String(row.status) as BulkActionRow['status'],
    total: Number(row.total),
    processed: Number(row.processed),
    affected: Number(row.affected),
    error: textOrNull(row.error),
    createdBy: String(row.created_by),
    createdAt: date(row.created_at),
    finishedAt: dateOrNull(row.finished_at),
  };
}

function auditFromRow(row: Row): AuditEntry & { id: string } {
  return {
    id: String(row.id),
    at: date(row.at),
    actor: String(row.actor),
    role: String(row.role) as ApiRole,
    tenantId: textOrNull(row.tenant_id),
    action: String(row.action),
    target: textOrNull(row.target),
    before: row.before ?? null,
    after: row.after ?? null,
    ip: textOrNull(row.ip),
  };
}

const ACTION_SQL: Record<JobAction, string> = {
  retry: 'api-job-retry',
  cancel: 'job-cancel',
  promote: 'api-job-promote',
  delete: 'api-job-delete',
  replay: 'api-job-replay',
};

export function apiStatements({ run, transaction, readyChannel, cancelChannel }: StatementContext): ApiStore {
  return {
    async apiJobSearch({ scope, search, before, limit }) {
      const values = [
        scopeTenant(scope),
        search.states ?? null,
        search.queue ?? null,
        search.name ?? null,
        search.tenantId ?? null,
        search.from ?? null,
        search.until ?? null,
        jsonParam(search.payload),
        search.ids ?? null,
        before ?? null,
        limit,
        search.fingerprint ?? null,
      ];
      const states = search.states;
      const live = states === undefined || states.some((state) => state !== 'completed');
      const completed = states === undefined || states.includes('completed');
      // Through a transaction, so as unnamed statements: each call is planned with its values (a
      // custom plan), where the filters left out fold away and the planner takes the index of the
      // ones given. A prepared statement's generic plan of `$8 IS NULL OR payload @> $8` can use
      // no index at all (test/api/search-plans.test.ts).
      const rows = await transaction(async (inTransaction) => [
        ...(live ? await inTransaction('api-job-search', values) : []),
        ...(completed ? await inTransaction('api-run-search', values) : []),
      ]);
      // Both sides are ordered by id descending: merge and cut to the page.
      rows.sort((a, b) => (BigInt(String(b.id)) > BigInt(String(a.id)) ? 1 : -1));
      return rows.slice(0, limit).map(jobRecordFromRow);
    },

    async apiJobGet({ scope, id }) {
      const [row] = await run('api-job-get', [scopeTenant(scope), id]);
      return row ? jobRecordFromRow(row) : null;
    },

    async apiJobRuns({ scope, id }) {
      return (await run('api-job-runs', [scopeTenant(scope), id])).map(runFromRow);
    },

    async apiJobAct({ scope, action, ids, now }) {
      if (ids.length === 0) return [];
      const values: unknown[] = [scopeTenant(scope), ids];
      if (action !== 'delete') values.push(now, action === 'cancel' ? cancelChannel : readyChannel);
      return (await run(ACTION_SQL[action], values)).map((row) => String(row.id));
    },

    async apiJobPayloadSet({ scope, id, payload }) {
      const [row] = await run('api-job-payload-set', [scopeTenant(scope), id, jsonParam(payload)]);
      return row ? { before: row.before, after: row.after } : null;
    },

    async apiCountByState({ scope, queue }) {
      return (await run('api-count-by-state', [scopeTenant(scope), queue ?? null])).map((row) => ({
        queue: String(row.queue),
        state: String(row.state) as never,
        count: Number(row.count),
      }));
    },

    async apiTenantUsage({ scope, since, until }) {
      const usage = await run('api-tenant-usage', [scopeTenant(scope), since, until]);
      const groups = await run('api-tenant-groups', [scopeTenant(scope)]);
      const byTenant = new Map<string, TenantUsage>();
      const entry = (tenantId: string): TenantUsage => {
        let found = byTenant.get(tenantId);
        if (!found) {
          found = {
            tenantId,
            scheduled: 0,
            ready: 0,
            active: 0,
            dead: 0,
            completed: 0,
            failed: 0,
            meanWaitMs: null,
            p95WaitMs: null,
            meanDurationMs: null,
            groups: [],
          };
          byTenant.set(tenantId, found);
        }
        return found;
      };
      for (const row of usage) {
        Object.assign(entry(String(row.tenant_id)), {
          scheduled: Number(row.scheduled),
          ready: Number(row.ready),
          active: Number(row.active),
          dead: Number(row.dead),
          completed: Number(row.completed),
          failed: Number(row.failed),
          meanWaitMs: numberOrNull(row.mean_wait_ms),
          p95WaitMs: numberOrNull(row.p95_wait_ms),
          meanDurationMs: numberOrNull(row.mean_duration_ms),
        });
      }
      for (const row of groups) {
        entry(String(row.tenant_id)).groups.push({
          queue: String(row.queue),
          paused: Boolean(row.paused),
          concurrency: numberOrNull(row.concurrency),
          weight: Number(row.weight),
        });
      }
      return [...byTenant.values()].sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1));
    },

    async apiWorkerList({ scope }) {
      return (await run('api-worker-list', [scopeTenant(scope)])).map((row) => ({
        id: String(row.id),
        host: String(row.host),
        pid: Number(row.pid),
        queues: (row.queues ?? []) as string[],
        startedAt: date(row.started_at),
        lastSeenAt: date(row.last_seen_at),
        expiresAt: date(row.expires_at),
        jobs: (typeof row.jobs === 'string' ? JSON.parse(row.jobs) : row.jobs) as never,
      }));
    },

    async apiKeyInsert({ id, name, secretHash, role, tenantId, now }) {
      const [row] = await run('api-key-insert', [id, name, secretHash, role, tenantId, now]);
      return keyFromRow(row!);
    },

    async apiKeyGet({ id }) {
      const [row] = await run('api-key-get', [id]);
      if (!row) return null;
      const hash = row.secret_hash;
      return {
        ...keyFromRow(row),
        secretHash: Buffer.isBuffer(hash) ? hash : Buffer.from(hash as Uint8Array),
      };
    },

    async apiKeyList({ includeRevoked }) {
      return (await run('api-key-list', [includeRevoked])).map(keyFromRow);
    },

    async apiKeyRevoke({ id, now }) {
      const [row] = await run('api-key-revoke', [id, now]);
      return row ? keyFromRow(row) : null;
    },

    async apiAuditInsert({ entry }) {
      await run('api-audit-insert', [
        entry.at,
        entry.actor,
        entry.role,
        entry.tenantId,
        entry.action,
        entry.target,
        jsonParam(entry.before),
        jsonParam(entry.after),
        entry.ip,
      ]);
    },

    async apiAuditList({ scope, action, before, limit }) {
      return (await run('api-audit-list', [scopeTenant(scope), action ?? null, before ?? null, limit])).map(
        auditFromRow,
      );
    },

    async apiBulkInsert({ scope, action, filter, total, createdBy, now }) {
      const [row] = await run('api-bulk-insert', [
        scopeTenant(scope),
        action,
        jsonParam(filter),
        total,
        createdBy,
        now,
      ]);
      return bulkFromRow(row!);
    },

    async apiBulkProgress({ id, processed, affected, status, error, now }) {
      await run('api-bulk-progress', [id, processed, affected, status, error, now]);
    },

    async apiBulkGet({ scope, id }) {
      const [row] = await run('api-bulk-get', [scopeTenant(scope), id]);
      return row ? bulkFromRow(row) : null;
    },
  };
}
