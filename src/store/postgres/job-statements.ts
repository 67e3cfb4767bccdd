/** The jobs slice of the store over SQL files: each method runs one named statement. */
import type { JobState } from '../../core/job.ts';
import { scopeTenant } from '../../core/scope.ts';
import type { SqlExecutor } from '../../core/sql-executor.ts';
import { writeIsolated } from '../batch-isolation.ts';
import type { AttemptUsage, CompletedItem, JobFilter, JobStore } from '../job-store.ts';
import type { Row } from '../sql-driver.ts';
import { classified } from '../store-errors.ts';
import { INSERT_CHUNK, insertJobs } from './job-insert.ts';
import { claimedJobFromRow, jobInfoFromRow, jobRecordFromRow } from './job-rows.ts';
import type { StatementContext } from './statement-context.ts';

/** A job id as the jobs table holds it (bigint digits); anything else matches no job. */
const JOB_ID = /^\d{1,19}$/;

async function runOn(executor: SqlExecutor, text: string, values: unknown[]): Promise<Row[]> {
  const result = await executor.query(text, values);
  return (Array.isArray(result) ? result : result.rows) as Row[];
}

/** The attempt's measured usage as the run row's columns (absent when not measured). */
function usageFields(usage: AttemptUsage | undefined): Record<string, number> {
  if (!usage) return {};
  return {
    cpu_ms: usage.cpuMs,
    heap_delta: Math.round(usage.heapDeltaBytes),
    rss_delta: Math.round(usage.rssDeltaBytes),
  };
}

/**
 * The items of job-complete-many as its JSON document: one object per item, optional fields set on
 * it rather than spread in (the spreads of an object per job cost ~100 ns a job: encoding 50-item
 * batches took a median 572 ns/job of CPU with spreads, 474 without, 9 interleaved rounds; the same
 * text, byte for byte).
 */
function completionDocument(batch: readonly CompletedItem[]): string {
  return JSON.stringify(
    batch.map((item) => {
      const entry: Record<string, unknown> = {
        id: item.id,
        result: item.result === undefined ? null : item.result,
        started_ms: item.startedAt.getTime(),
        finished_ms: item.finishedAt.getTime(),
      };
      if (item.record === false) entry.record = false;
      const usage = item.usage;
      if (usage) {
        entry.cpu_ms = usage.cpuMs;
        entry.heap_delta = Math.round(usage.heapDeltaBytes);
        entry.rss_delta = Math.round(usage.rssDeltaBytes);
      }
      return entry;
    }),
  );
}

/**
 * The group to resume after on the next claim: groups are served in key order after the cursor,
 * wrapping once, so the last one served is the greatest key at or before the cursor if the walk
 * wrapped, else the greatest key after it.
 */
function nextCursor(cursor: string | null, rows: Row[]): string | null {
  let before: string | null = null;
  let after: string | null = null;
  for (const row of rows) {
    const key = String(row.group_key);
    if (cursor !== null && key <= cursor) {
      if (before === null || key > before) before = key;
    } else if (after === null || key > after) after = key;
  }
  return before ?? after ?? cursor;
}

export function jobStatements({
  run,
  transaction,
  sqlFor,
  readyChannel,
  cancelChannel,
}: StatementContext): JobStore {
  const filterValues = (filter: JobFilter) => [
    filter.queue ?? null,
    filter.name ?? null,
    filter.tenantId ?? null,
    filter.ids ?? null,
  ];

  return {
    // All or nothing, whatever fails: errors leave typed (store-errors.ts), never as driver errors.
    async jobInsertMany({ jobs, now, executor, handoff }) {
      if (jobs.length === 0) return [];
      return classified(() => {
        if (executor) {
          // Inside the caller's transaction: never handed off (it commits later, or not at all).
          return insertJobs(jobs, undefined, now, readyChannel, (name, values) =>
            runOn(executor, sqlFor(name), values),
          );
        }
        if (jobs.length <= INSERT_CHUNK) return insertJobs(jobs, handoff, now, readyChannel, run);
        return transaction((inTransaction) => insertJobs(jobs, handoff, now, readyChannel, inTransaction));
      });
    },

    async jobClaim({
      queue,
      workerId,
      limit,
      now,
      cursor = null,
      names = null,
      seqBase = 0,
      startNow = limit,
    }) {
      const rows = await run('job-claim', [queue, workerId, limit, now, cursor, names, seqBase, startNow]);
      return { jobs: rows.map(claimedJobFromRow), cursor: nextCursor(cursor, rows) };
    },

    // Outcomes of different jobs are independent: a batch the database refuses is split until the
    // refused items are alone (batch-isolation.ts), so one bad value never blocks the others.
    async jobCompleteMany({ items, workerId }) {
      const { written, rejected } = await writeIsolated(items, async (batch) => {
        const doc = completionDocument(batch);
        // One row naming the items NOT completed (cancelled or rescued meanwhile), usually none.
        const [row] = await run('job-complete-many', [doc, workerId, readyChannel]);
        const missed = String(row?.missed ?? '');
        if (missed === '') return batch.map((item) => item.id);
        const notCompleted = new Set(missed.split(','));
        return batch.flatMap((item) => (notCompleted.has(item.id) ? [] : [item.id]));
      });
      return {
        completed: written.flatMap((w) => w.result),
        rejected: rejected.map(({ item, error }) => ({ id: item.id, error })),
      };
    },

    async jobFailMany({ items, workerId, now }) {
      const { written, rejected } = await writeIsolated(items, async (batch) => {
        const doc = JSON.stringify(
          batch.map((item) => ({
            id: item.id,
            error: item.error,
            retry_at: item.retryAt?.toISOString() ?? null,
            started_at: item.startedAt.toISOString(),
            finished_at: item.finishedAt.toISOString(),
            ...usageFields(item.usage),
          })),
        );
        const rows = await run('job-fail-many', [doc, workerId, now, readyChannel]);
        return rows.map((row) => ({ id: String(row.id), state: String(row.state) as JobState }));
      });
      return {
        failed: written.flatMap((w) => w.result),
        rejected: rejected.map(({ item, error }) => ({ id: item.id, error })),
      };
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
        charged: Boolean(row.charged),
        job: jobInfoFromRow(row),
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
      if (!JOB_ID.test(id)) return null;
      const [row] = await run('job-cancel', [null, [id], now, cancelChannel]);
      return row ? { previousState: String(row.previous_state) as JobState, job: jobInfoFromRow(row) } : null;
    },

    async jobCancelMany({ scope, ids, now }) {
      const valid = ids.filter((id) => JOB_ID.test(id));
      if (valid.length === 0) return [];
      const rows = await run('job-cancel', [scopeTenant(scope), valid, now, cancelChannel]);
      return rows.map((row) => ({
        previousState: String(row.previous_state) as JobState,
        job: jobInfoFromRow(row),
      }));
    },

    async jobProgressSet({ id, progress }) {
      const rows = await classified(async () =>
        run('job-progress-set', [id, JSON.stringify(progress ?? null)]),
      );
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

    async runPrune({ queue, keepCount, finishedBefore, limit, statuses, keepFrom }) {
      const [row] = await run('run-prune', [queue, keepCount, finishedBefore, limit, statuses, keepFrom]);
      return Number(row?.deleted ?? 0);
    },

    async keyPruneExpired({ now, limit }) {
      const [row] = await run('key-prune-expired', [now, limit]);
      return Number(row?.deleted ?? 0);
    },
  };
}
