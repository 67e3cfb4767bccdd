/** The history slice of the store over SQL files: analytics, alert inputs, incidents, retention. */

import type { FailedRun, Incident, RunStore, RunWindow, SlowRun } from '../run-store.ts';
import type { Row } from '../sql-driver.ts';
import type { StatementContext } from './statement-context.ts';

const numberOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const dateOrNull = (value: unknown): Date | null =>
  value === null || value === undefined ? null : new Date(value as string | Date);
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const windowValues = (w: RunWindow): unknown[] => [
  w.since,
  w.until,
  w.queue ?? null,
  w.name ?? null,
  w.tenantId ?? null,
];

function failedRunFromRow(row: Row): FailedRun {
  return {
    runId: String(row.run_id),
    jobId: String(row.job_id),
    queue: String(row.queue),
    name: String(row.name),
    tenantId: textOrNull(row.tenant_id),
    attempt: Number(row.attempt),
    status: String(row.status) as FailedRun['status'],
    errorName: textOrNull(row.error_name),
    errorMessage: textOrNull(row.error_message),
    errorStack: textOrNull(row.error_stack),
    errorCode: textOrNull(row.error_code),
    payload: row.payload ?? null,
    workerId: textOrNull(row.worker_id),
    workerHost: textOrNull(row.worker_host),
    startedAt: dateOrNull(row.started_at),
    finishedAt: new Date(row.finished_at as Date),
    durationMs: numberOrNull(row.duration_ms),
  };
}

function slowRunFromRow(row: Row): SlowRun {
  return {
    runId: String(row.run_id),
    jobId: String(row.job_id),
    queue: String(row.queue),
    name: String(row.name),
    tenantId: textOrNull(row.tenant_id),
    attempt: Number(row.attempt),
    status: String(row.status),
    durationMs: Number(row.duration_ms),
    waitMs: numberOrNull(row.wait_ms),
    cpuMs: numberOrNull(row.cpu_ms),
    heapDeltaBytes: numberOrNull(row.heap_delta_bytes),
    workerId: textOrNull(row.worker_id),
    workerHost: textOrNull(row.worker_host),
    startedAt: dateOrNull(row.started_at),
    finishedAt: new Date(row.finished_at as Date),
  };
}

function incidentFromRow(row: Row): Incident {
  return {
    id: String(row.id),
    rule: String(row.rule),
    kind: String(row.kind),
    subject: String(row.subject),
    severity: String(row.severity),
    message: String(row.message),
    details: (row.details as Record<string, unknown> | null) ?? {},
    openedAt: new Date(row.opened_at as Date),
    resolvedAt: dateOrNull(row.resolved_at),
  };
}

export function runStatements({ run }: StatementContext): RunStore {
  return {
    async analyticsJobStats(w) {
      const rows = await run('analytics-job-stats', windowValues(w));
      return rows.map((row) => ({
        queue: String(row.queue),
        name: String(row.name),
        total: Number(row.total),
        completed: Number(row.completed),
        failed: Number(row.failed),
        dead: Number(row.dead),
        stalled: Number(row.stalled),
        cancelled: Number(row.cancelled),
        avgDurationMs: numberOrNull(row.avg_duration_ms),
        maxDurationMs: numberOrNull(row.max_duration_ms),
        avgWaitMs: numberOrNull(row.avg_wait_ms),
        lastFinishedAt: dateOrNull(row.last_finished_at),
      }));
    },

    async analyticsOverall(w) {
      const [row = {}] = await run('analytics-overall', windowValues(w));
      return {
        total: Number(row.total ?? 0),
        completed: Number(row.completed ?? 0),
        failed: Number(row.failed ?? 0),
        dead: Number(row.dead ?? 0),
        stalled: Number(row.stalled ?? 0),
        cancelled: Number(row.cancelled ?? 0),
        jobs: Number(row.jobs ?? 0),
        jobNames: Number(row.job_names ?? 0),
        workers: Number(row.workers ?? 0),
        avgDurationMs: numberOrNull(row.avg_duration_ms),
        avgWaitMs: numberOrNull(row.avg_wait_ms),
        totalCpuMs: numberOrNull(row.total_cpu_ms),
      };
    },

    async analyticsWorkers(w) {
      const rows = await run('analytics-workers', windowValues(w));
      return rows.map((row) => ({
        workerId: String(row.worker_id),
        workerHost: textOrNull(row.worker_host),
        total: Number(row.total),
        completed: Number(row.completed),
        failed: Number(row.failed),
        avgDurationMs: numberOrNull(row.avg_duration_ms),
        busyMs: numberOrNull(row.busy_ms),
        totalCpuMs: numberOrNull(row.total_cpu_ms),
        avgHeapDeltaBytes: numberOrNull(row.avg_heap_delta_bytes),
        maxRssDeltaBytes: numberOrNull(row.max_rss_delta_bytes),
        firstStartedAt: dateOrNull(row.first_started_at),
        lastFinishedAt: dateOrNull(row.last_finished_at),
      }));
    },

    async analyticsRecentFailures({ limit, ...w }) {
      const rows = await run('analytics-recent-failures', [...windowValues(w), limit]);
      return rows.map(failedRunFromRow);
    },

    async analyticsErrorGroups({ limit, ...w }) {
      const rows = await run('analytics-error-groups', [...windowValues(w), limit]);
      return rows.map((row) => ({
        errorName: String(row.error_name),
        pattern: String(row.pattern),
        count: Number(row.count),
        names: ((row.names as unknown[] | null) ?? []).map(String),
        firstSeenAt: new Date(row.first_seen_at as Date),
        lastSeenAt: new Date(row.last_seen_at as Date),
        sampleMessage: String(row.sample_message ?? ''),
      }));
    },

    async analyticsDurationPercentiles(w) {
      const rows = await run('analytics-duration-percentiles', windowValues(w));
      return rows.map((row) => ({
        queue: String(row.queue),
        name: String(row.name),
        count: Number(row.count),
        avgMs: Number(row.avg_ms),
        minMs: Number(row.min_ms),
        maxMs: Number(row.max_ms),
        p50Ms: Number(row.p50_ms),
        p95Ms: Number(row.p95_ms),
        p99Ms: Number(row.p99_ms),
        avgWaitMs: numberOrNull(row.avg_wait_ms),
      }));
    },

    async analyticsSlowest({ limit, ...w }) {
      const rows = await run('analytics-slowest', [...windowValues(w), limit]);
      return rows.map(slowRunFromRow);
    },

    async analyticsThroughput({ bucketSeconds, ...w }) {
      const rows = await run('analytics-throughput', [...windowValues(w), bucketSeconds]);
      return rows.map((row) => ({
        bucket: new Date(row.bucket as Date),
        completed: Number(row.completed),
        failed: Number(row.failed),
        cancelled: Number(row.cancelled),
      }));
    },

    async analyticsConsecutiveFailures({ since, name, queue }) {
      const rows = await run('analytics-consecutive-failures', [since, name ?? null, queue ?? null]);
      return rows.map((row) => ({
        queue: String(row.queue),
        name: String(row.name),
        failures: Number(row.failures),
        lastError: textOrNull(row.last_error),
        lastFailedAt: new Date(row.last_failed_at as Date),
      }));
    },

    async analyticsLatestDurations({ since, name, queue }) {
      const rows = await run('analytics-latest-durations', [since, name ?? null, queue ?? null]);
      return rows.map((row) => ({
        queue: String(row.queue),
        name: String(row.name),
        latestJobId: String(row.latest_job_id),
        latestMs: Number(row.latest_ms),
        baselineAvgMs: numberOrNull(row.baseline_avg_ms),
        baselineCount: Number(row.baseline_count),
      }));
    },

    async analyticsLastSuccess({ names }) {
      if (names.length === 0) return new Map();
      const rows = await run('analytics-last-success', [names]);
      return new Map(rows.map((row) => [String(row.name), new Date(row.finished_at as Date)]));
    },

    async analyticsIncidentOpen({ incidents, now }) {
      if (incidents.length === 0) return [];
      const rows = await run('analytics-incident-open', [JSON.stringify(incidents), now]);
      return rows.map(incidentFromRow);
    },

    async analyticsIncidentResolve({ rules, firing, now }) {
      if (rules.length === 0) return [];
      const rows = await run('analytics-incident-resolve', [rules, JSON.stringify(firing), now]);
      return rows.map(incidentFromRow);
    },

    async analyticsIncidentList({ openOnly, since, limit }) {
      const rows = await run('analytics-incident-list', [openOnly, since ?? null, limit]);
      return rows.map(incidentFromRow);
    },

    async runPruneBefore({ finishedBefore, limit }) {
      const [row] = await run('run-prune-before', [finishedBefore, limit]);
      return Number(row?.deleted ?? 0);
    },

    async analyticsIncidentPrune({ resolvedBefore, limit }) {
      const [row] = await run('analytics-incident-prune', [resolvedBefore, limit]);
      return Number(row?.deleted ?? 0);
    },
  };
}
