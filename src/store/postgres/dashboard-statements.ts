/** The dashboard's slice of the store over SQL files (api-overview-*, api-job-waiting, …): every read takes a scope. */
import type { JobState } from '../../core/job.ts';
import { scopeTenant } from '../../core/scope.ts';
import type {
  ChangedJob,
  DashboardStore,
  OverviewLiveRow,
  OverviewMoveRow,
  OverviewParams,
  OverviewRunRow,
} from '../dashboard-store.ts';
import type { Row } from '../sql-driver.ts';
import type { StatementContext } from './statement-context.ts';

const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const numberOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

function overviewValues({ scope, since, until, bucketMs, queue, tenantId }: OverviewParams): unknown[] {
  return [scopeTenant(scope), since, until, bucketMs, queue ?? null, tenantId ?? null];
}

/** The values of the statements that read through the rollup: overviewValues and the cutoff ($7). */
const rollupValues = (params: OverviewParams): unknown[] => [
  ...overviewValues(params),
  params.rollupCutoff ?? null,
];

const dateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : date(value);

const liveFromRow = (row: Row): OverviewLiveRow => ({
  queue: String(row.queue),
  tenantId: textOrNull(row.tenant_id),
  state: String(row.state) as JobState,
  n: Number(row.n),
});

const moveFromRow = (row: Row): OverviewMoveRow => ({
  kind: String(row.kind) as OverviewMoveRow['kind'],
  k: Number(row.k),
  n: Number(row.n),
});

const changed = (row: Row): ChangedJob => ({
  id: String(row.id),
  state: textOrNull(row.state) as JobState | null,
  queue: String(row.queue),
  name: String(row.name),
});

export function dashboardStatements({ run, transaction }: StatementContext): DashboardStore {
  // The overview's statements run as unnamed statements inside a transaction, so each is planned
  // with its values (the filters left out fold away), as the job search is (api-statements.ts).
  const planned = (name: string, values: unknown[]) =>
    transaction((inTransaction) => inTransaction(name, values));
  return {
    async apiOverviewRuns(params) {
      return (await planned('api-overview-runs', rollupValues(params))).map(
        (row): OverviewRunRow => ({
          kind: String(row.kind) as OverviewRunRow['kind'],
          k: numberOrNull(row.k),
          queue: textOrNull(row.queue),
          tenantId: textOrNull(row.tenant_id),
          completed: Number(row.completed),
          failed: Number(row.failed),
          waitMeanMs: numberOrNull(row.wait_mean_ms),
          waited: Number(row.waited),
        }),
      );
    },

    async apiOverviewWaitP95(params) {
      return (await planned('api-overview-wait-p95', overviewValues(params))).map((row) => ({
        k: numberOrNull(row.k),
        waitP95Ms: numberOrNull(row.wait_p95_ms),
      }));
    },

    async apiOverviewWaitHistogram(params) {
      return (await planned('api-overview-wait-histogram', rollupValues(params))).map((row) => ({
        k: numberOrNull(row.k),
        bin: Number(row.bin),
        n: Number(row.n),
      }));
    },

    async apiOverviewLive({ scope, queue, tenantId }) {
      return (await planned('api-overview-live', [scopeTenant(scope), queue ?? null, tenantId ?? null])).map(
        liveFromRow,
      );
    },

    async apiOverviewCounts({ scope, queue, tenantId }) {
      return (await run('api-overview-counts', [scopeTenant(scope), queue ?? null, tenantId ?? null])).map(
        liveFromRow,
      );
    },

    async overviewRollupState() {
      const [row] = await run('overview-rollup-state', []);
      return {
        rolledUntil: dateOrNull(row?.rolled_until),
        countsAsOf: dateOrNull(row?.counts_as_of),
        countsFreshMs: numberOrNull(row?.counts_fresh_ms),
        countsWantedAt: dateOrNull(row?.counts_wanted_at),
        jobsEstimate: Number(row?.jobs_estimate ?? -1),
        runsEstimate: Number(row?.runs_estimate ?? -1),
      };
    },

    async overviewRollupRoll({ from, to }) {
      const [row] = await transaction(async (inTransaction) => {
        await inTransaction('overview-rollup-plan', []);
        return inTransaction('overview-rollup-roll', [from, to]);
      });
      return Number(row?.runs ?? 0);
    },

    async overviewRollupFirstMinute() {
      const [row] = await run('overview-rollup-first-minute', []);
      return dateOrNull(row?.minute);
    },

    async overviewRollupPrune({ before }) {
      const [row] = await run('overview-rollup-prune', [before]);
      return Number(row?.deleted ?? 0);
    },

    async overviewCountsRefresh({ now, freshMs }) {
      const [row] = await run('overview-counts-refresh', [now, freshMs]);
      return Number(row?.groups ?? 0);
    },

    async overviewCountsWanted({ now }) {
      await run('overview-counts-wanted', [now]);
    },

    async apiOverviewWaiting(params) {
      return (await planned('api-overview-waiting', overviewValues(params))).map(moveFromRow);
    },

    async apiOverviewHistoryDepth(params) {
      return (await planned('api-overview-history-depth', rollupValues(params))).map(moveFromRow);
    },

    async apiJobWaiting({ scope, id, now }) {
      const [row] = await run('api-job-waiting', [scopeTenant(scope), id, now]);
      if (!row) return null;
      return {
        id: String(row.id),
        queue: String(row.queue),
        name: String(row.name),
        state: String(row.state) as JobState,
        groupKey: String(row.group_key),
        runAt: date(row.run_at),
        attempt: Number(row.attempt),
        queuePaused: Boolean(row.queue_paused),
        groupPaused: Boolean(row.group_paused),
        globalConcurrency: numberOrNull(row.global_concurrency),
        queueActive: Number(row.queue_active),
        groupLimit: numberOrNull(row.group_limit),
        groupActive: Number(row.group_active),
        rateLimit: numberOrNull(row.rate_limit),
        rateIntervalMs: numberOrNull(row.rate_interval_ms),
        queueRateUsed: Number(row.queue_rate_used ?? 0),
        queueRateFreeMs: numberOrNull(row.queue_rate_free_ms),
        groupRateLimit: numberOrNull(row.group_rate_limit),
        groupRateIntervalMs: numberOrNull(row.group_rate_interval_ms),
        groupRateUsed: Number(row.group_rate_used ?? 0),
        groupRateFreeMs: numberOrNull(row.group_rate_free_ms),
        liveWorkers: Number(row.live_workers),
        workerLastSeen: row.worker_last_seen == null ? null : date(row.worker_last_seen),
        ahead: numberOrNull(row.ahead),
      };
    },

    async apiFailureGroups({ scope, since, until, queue, name, tenantId, limit }) {
      const rows = await planned('api-failure-groups', [
        scopeTenant(scope),
        since,
        until,
        queue ?? null,
        name ?? null,
        tenantId ?? null,
        limit,
      ]);
      return rows.map((row) => ({
        fingerprint: String(row.fingerprint),
        message: String(row.message),
        name: String(row.name),
        queue: String(row.queue),
        attempts: Number(row.attempts),
        jobs: Number(row.jobs),
        tenants: Number(row.tenants),
        dead: Number(row.dead),
        firstSeen: date(row.first_seen),
        lastSeen: date(row.last_seen),
        sampleJobId: String(row.sample_job_id),
      }));
    },

    async apiStreamStart() {
      const [row] = await run('api-stream-start', []);
      return { runCursor: String(row?.run_cursor ?? 0), jobCursor: String(row?.job_cursor ?? 0) };
    },

    async apiStreamChanges({ scope, cursor, activeLimit }) {
      const rows = await run('api-stream-changes', [
        scopeTenant(scope),
        cursor.runCursor,
        cursor.jobCursor,
        activeLimit,
      ]);
      const next = rows[0]
        ? { runCursor: String(rows[0].run_cursor), jobCursor: String(rows[0].job_cursor) }
        : cursor;
      const of = (kind: string) => rows.filter((row) => row.kind === kind).map(changed);
      return { cursor: next, ended: of('run'), enqueued: of('job'), active: of('active') };
    },
  };
}
