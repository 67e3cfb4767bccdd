/**
 * The Store over any SqlDriver (node-postgres or PGlite): every method runs one named SQL file.
 * Batches travel as one jsonb parameter, which every driver and user executor passes unchanged.
 */

import type { NewJob } from '../../core/enqueue-options.ts';
import { DatabaseUnavailableError } from '../../core/errors.ts';
import type { JobState } from '../../core/job.ts';
import type { Row, SqlDriver } from '../sql-driver.ts';
import type { InsertedJob, JobFilter, SqlExecutor, Store } from '../store.ts';
import { claimedJobFromRow, jobRecordFromRow } from './job-rows.ts';
import { assertSchemaName, migrations, querySql } from './sql-files.ts';

const UNDEFINED_TABLE = '42P01';
const INVALID_SCHEMA = '3F000';

function insertDocument(job: NewJob): Record<string, unknown> {
  return {
    queue: job.queue,
    name: job.name,
    payload: job.payload,
    priority: job.priority,
    run_at: job.runAt.toISOString(),
    max_attempts: job.maxAttempts,
    backoff: job.backoff,
    timeout_ms: job.timeoutMs,
    tenant_id: job.tenantId,
    group_key: job.groupKey,
    unique_key: job.uniqueKey,
    unique_until: job.uniqueUntil?.toISOString() ?? null,
    metadata: job.metadata,
  };
}

async function runOn(executor: SqlExecutor, text: string, values: unknown[]): Promise<Row[]> {
  const result = await executor.query(text, values);
  return (Array.isArray(result) ? result : result.rows) as Row[];
}

export function createPostgresStore(driver: SqlDriver, schema: string): Store {
  assertSchemaName(schema);
  const readyChannel = `${schema}_ready`;
  const cancelChannel = `${schema}_cancel`;
  const run = (name: string, values: unknown[]): Promise<Row[]> =>
    driver.query(`${schema}:${name}`, querySql(schema, name), values);
  const filterValues = (filter: JobFilter) => [
    filter.queue ?? null,
    filter.name ?? null,
    filter.tenantId ?? null,
    filter.ids ?? null,
  ];

  return {
    description: driver.description,

    async migrate() {
      return driver.transaction(async (session) => {
        await session.query(querySql(schema, 'migration-lock'), [schema]);
        await session.exec(querySql(schema, 'migration-prepare'));
        const applied = new Set(
          (await session.query(querySql(schema, 'migration-list'))).map((r) => Number(r.version)),
        );
        const done: number[] = [];
        for (const migration of migrations(schema)) {
          if (applied.has(migration.version)) continue;
          await session.exec(migration.sql);
          await session.query(querySql(schema, 'migration-record'), [migration.version, migration.name]);
          done.push(migration.version);
        }
        return done;
      });
    },

    async migrationStatus() {
      const all = migrations(schema);
      const latest = all.at(-1)?.version ?? 0;
      try {
        const rows = await run('migration-list', []);
        return { applied: Math.max(0, ...rows.map((r) => Number(r.version))), latest };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === UNDEFINED_TABLE || code === INVALID_SCHEMA) return { applied: 0, latest };
        throw error;
      }
    },

    async jobInsertMany({ jobs, now, executor }) {
      if (jobs.length === 0) return [];
      const values = [JSON.stringify(jobs.map(insertDocument)), now, readyChannel];
      const rows = executor
        ? await runOn(executor, querySql(schema, 'job-insert-many'), values)
        : await run('job-insert-many', values);
      const results: InsertedJob[] = rows.map((row) => ({
        id: String(row.id),
        created: Boolean(row.created),
      }));
      const held = rows.filter((row) => !row.created).map((row) => String(row.unique_key));
      if (held.length > 0) {
        const lookup = executor
          ? await runOn(executor, querySql(schema, 'job-key-lookup'), [held])
          : await run('job-key-lookup', [held]);
        const owner = new Map(lookup.map((row) => [String(row.unique_key), String(row.id)]));
        rows.forEach((row, index) => {
          if (!row.created) results[index] = { id: owner.get(String(row.unique_key)) ?? '', created: false };
        });
      }
      return results;
    },

    async jobClaim({ queue, workerId, limit, now }) {
      const rows = await run('job-claim', [queue, workerId, limit, now]);
      return rows
        .map(claimedJobFromRow)
        .sort((a, b) => a.priority - b.priority || Number(a.id) - Number(b.id));
    },

    async jobCompleteMany({ items, workerId }) {
      if (items.length === 0) return [];
      const doc = items.map((item) => ({
        id: item.id,
        result: item.result === undefined ? null : item.result,
        started_at: item.startedAt.toISOString(),
        finished_at: item.finishedAt.toISOString(),
      }));
      const rows = await run('job-complete-many', [JSON.stringify(doc), workerId]);
      return rows.map((row) => String(row.id));
    },

    async jobFailMany({ items, workerId, now }) {
      if (items.length === 0) return [];
      const doc = items.map((item) => ({
        id: item.id,
        error: item.error,
        retry_at: item.retryAt?.toISOString() ?? null,
        started_at: item.startedAt.toISOString(),
        finished_at: item.finishedAt.toISOString(),
      }));
      const rows = await run('job-fail-many', [JSON.stringify(doc), workerId, now, readyChannel]);
      return rows.map((row) => ({ id: String(row.id), state: String(row.state) as JobState }));
    },

    async jobReturnMany({ ids, workerId }) {
      if (ids.length === 0) return [];
      const rows = await run('job-return-many', [ids, workerId, readyChannel]);
      return rows.map((row) => String(row.id));
    },

    async jobPromoteDue({ now, limit }) {
      const [row] = await run('job-promote-due', [now, limit, readyChannel]);
      return {
        promoted: Number(row?.promoted ?? 0),
        nextRunAt: row?.next_run_at ? new Date(row.next_run_at as Date) : null,
      };
    },

    async jobRescueExpired({ now }) {
      const rows = await run('job-rescue-expired', [now, readyChannel]);
      return rows.map((row) => ({
        id: String(row.id),
        queue: String(row.queue),
        name: String(row.name),
        state: String(row.state) as JobState,
        attempt: Number(row.attempt),
        lostWorker: String(row.lost_worker),
      }));
    },

    async jobGet({ id }) {
      if (!/^\d{1,19}$/.test(id)) return null;
      const [row] = await run('job-get', [id]);
      return row ? jobRecordFromRow(row) : null;
    },

    async jobList({ filter, limit, afterId }) {
      const rows = await run('job-list', [
        filter.states ?? null,
        filter.queue ?? null,
        filter.name ?? null,
        filter.tenantId ?? null,
        filter.ids ?? null,
        afterId ?? null,
        limit,
      ]);
      return rows.map(jobRecordFromRow);
    },

    async jobCancel({ id, now }) {
      if (!/^\d{1,19}$/.test(id)) return null;
      const [row] = await run('job-cancel', [id, now, cancelChannel]);
      return row ? { previousState: String(row.previous_state) as JobState } : null;
    },

    async jobProgressSet({ id, progress }) {
      const rows = await run('job-progress-set', [id, JSON.stringify(progress ?? null)]);
      return rows.length > 0;
    },

    async jobReplay({ filter, now }) {
      const states = filter.states ?? ['dead'];
      const rows = await run('job-replay', [...filterValues(filter), now, readyChannel, states]);
      return rows.map((row) => String(row.id));
    },

    async jobCountByState({ queue }) {
      const rows = await run('job-count-by-state', [queue ?? null]);
      return rows.map((row) => ({
        queue: String(row.queue),
        state: String(row.state) as JobState,
        count: Number(row.count),
      }));
    },

    async jobPruneFinished({ queue, keepCount, finishedBefore, limit }) {
      const [row] = await run('job-prune-finished', [queue, keepCount, finishedBefore, limit]);
      return Number(row?.deleted ?? 0);
    },

    async runPruneCompleted({ queue, keepCount, finishedBefore, limit }) {
      const [row] = await run('run-prune-completed', [queue, keepCount, finishedBefore, limit]);
      return Number(row?.deleted ?? 0);
    },

    async keyPruneExpired({ now, limit }) {
      const [row] = await run('key-prune-expired', [now, limit]);
      return Number(row?.deleted ?? 0);
    },

    async workerRegister({ id, host, pid, queues, now, leaseMs }) {
      await run('worker-register', [id, host, pid, queues, now, leaseMs]);
    },

    async workerHeartbeat({ id, now, leaseMs }) {
      const [row] = await run('worker-heartbeat', [id, now, leaseMs]);
      return {
        alive: Number(row?.alive ?? 0) > 0,
        cancelledIds: ((row?.cancelled_ids as unknown[] | null) ?? []).map(String),
      };
    },

    async workerRemove({ id }) {
      await run('worker-remove', [id]);
    },

    async listen(handlers) {
      return driver.listen(
        { [readyChannel]: handlers.ready, [cancelChannel]: handlers.cancelled },
        handlers.reconnected,
      );
    },

    async ping() {
      try {
        await run('ping', []);
      } catch (error) {
        throw new DatabaseUnavailableError(driver.description, error);
      }
    },

    close: () => driver.close(),
  };
}
