import type { Conveyor } from '../../client/conveyor.ts';
import { JOB_STATES } from '../../core/job.ts';
import type { AnalyticsFilter } from '../../observe/analytics.ts';
import { expectPositionals, intFlag, parseCommand } from '../args.ts';
import { commandLogger } from '../cli-conveyor.ts';
import { UsageError } from '../cli-error.ts';
import { type Command, showHelp, withConveyor } from '../command.ts';
import { formatTable, printJson, printLine } from '../output.ts';

const HELP = `Usage: conveyor stats [report] [--since 24h] [--until <iso>] [--queue q] [--job name]
                      [--tenant id] [--limit n] [--bucket 1h] [--json]

Without a report: job counts per queue and state (completed counts what retention keeps).
Reports over the run history (one row per attempt), in the window [since, until):
  jobs         attempts per job by status, success rate, mean run time
  overall      system-wide totals
  workers      per worker process: attempts, busy time, CPU
  failures     newest failed, dead and stalled attempts with their error
  errors       failures grouped by normalized message
  durations    p50 / p95 / p99 run time per job
  slowest      the longest attempts
  throughput   attempts finished per bucket (--bucket, default 1h)

Flags:
  --since <dur|iso>   window start: a duration back from --until (15m, 24h, 7d) or an ISO date (default 24h)
  --until <iso>       window end (default now)
  --queue, --job, --tenant   filter by queue, job name, tenant id
  --limit <n>         rows for failures, errors, slowest`;

const OPTIONS = {
  since: { type: 'string' },
  until: { type: 'string' },
  queue: { type: 'string' },
  job: { type: 'string' },
  tenant: { type: 'string' },
  limit: { type: 'string' },
  bucket: { type: 'string' },
} as const;

type Cell = string | number;
type Report = (
  conveyor: Conveyor,
  filter: AnalyticsFilter & { limit?: number; bucket?: string },
) => Promise<{
  data: unknown;
  headers: string[];
  rows: Cell[][];
}>;

const ms = (value: number | null): Cell => (value === null ? '-' : Math.round(value));
const pct = (value: number | null): string => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);
const when = (value: Date | null): string => value?.toISOString() ?? '-';

const REPORTS: Record<string, Report> = {
  async jobs(c, f) {
    const data = await c.analytics.jobStats(f);
    return {
      data,
      headers: ['QUEUE', 'JOB', 'TOTAL', 'COMPLETED', 'FAILED', 'DEAD', 'SUCCESS', 'AVG_MS'],
      rows: data.map((r) => [
        r.queue,
        r.name,
        r.total,
        r.completed,
        r.failed,
        r.dead,
        pct(r.successRate),
        ms(r.avgDurationMs),
      ]),
    };
  },
  async overall(c, f) {
    const r = await c.analytics.overall(f);
    return {
      data: r,
      headers: [
        'TOTAL',
        'COMPLETED',
        'FAILED',
        'DEAD',
        'STALLED',
        'CANCELLED',
        'SUCCESS',
        'AVG_MS',
        'AVG_WAIT_MS',
      ],
      rows: [
        [
          r.total,
          r.completed,
          r.failed,
          r.dead,
          r.stalled,
          r.cancelled,
          pct(r.successRate),
          ms(r.avgDurationMs),
          ms(r.avgWaitMs),
        ],
      ],
    };
  },
  async workers(c, f) {
    const data = await c.analytics.workers(f);
    return {
      data,
      headers: ['WORKER', 'HOST', 'TOTAL', 'COMPLETED', 'FAILED', 'AVG_MS', 'CPU_MS'],
      rows: data.map((r) => [
        r.workerId,
        r.workerHost ?? '-',
        r.total,
        r.completed,
        r.failed,
        ms(r.avgDurationMs),
        ms(r.totalCpuMs),
      ]),
    };
  },
  async failures(c, f) {
    const data = await c.analytics.recentFailures(f);
    return {
      data,
      headers: ['FINISHED', 'JOB', 'ID', 'ATTEMPT', 'STATUS', 'ERROR'],
      rows: data.map((r) => [
        when(r.finishedAt),
        r.name,
        r.jobId,
        r.attempt,
        r.status,
        (r.errorMessage ?? '').slice(0, 80),
      ]),
    };
  },
  async errors(c, f) {
    const data = await c.analytics.errorGroups(f);
    return {
      data,
      headers: ['COUNT', 'ERROR', 'PATTERN', 'JOBS', 'LAST_SEEN'],
      rows: data.map((r) => [
        r.count,
        r.errorName,
        r.pattern.slice(0, 80),
        r.names.join(','),
        when(r.lastSeenAt),
      ]),
    };
  },
  async durations(c, f) {
    const data = await c.analytics.durations(f);
    return {
      data,
      headers: ['QUEUE', 'JOB', 'COUNT', 'P50_MS', 'P95_MS', 'P99_MS', 'MAX_MS'],
      rows: data.map((r) => [r.queue, r.name, r.count, ms(r.p50Ms), ms(r.p95Ms), ms(r.p99Ms), ms(r.maxMs)]),
    };
  },
  async slowest(c, f) {
    const data = await c.analytics.slowest(f);
    return {
      data,
      headers: ['DURATION_MS', 'JOB', 'ID', 'ATTEMPT', 'STATUS', 'FINISHED'],
      rows: data.map((r) => [ms(r.durationMs), r.name, r.jobId, r.attempt, r.status, when(r.finishedAt)]),
    };
  },
  async throughput(c, f) {
    const data = await c.analytics.throughput(f);
    return {
      data,
      headers: ['BUCKET', 'COMPLETED', 'FAILED', 'CANCELLED'],
      rows: data.map((r) => [when(r.bucket), r.completed, r.failed, r.cancelled]),
    };
  },
};

function filterFrom(values: Record<string, string | boolean | undefined>): AnalyticsFilter & {
  limit?: number;
  bucket?: string;
} {
  const text = (key: string): string | undefined =>
    typeof values[key] === 'string' ? (values[key] as string) : undefined;
  const filter: AnalyticsFilter & { limit?: number; bucket?: string } = {};
  const since = text('since');
  if (since) filter.since = /^\d{4}-\d{2}-\d{2}/.test(since) ? parseDate(since, '--since') : since;
  const until = text('until');
  if (until) filter.until = parseDate(until, '--until');
  if (text('queue')) filter.queue = text('queue')!;
  if (text('job')) filter.name = text('job')!;
  if (text('tenant')) filter.tenantId = text('tenant')!;
  const limit = intFlag('limit', text('limit'));
  if (limit !== undefined) filter.limit = limit;
  if (text('bucket')) filter.bucket = text('bucket')!;
  return filter;
}

function parseDate(value: string, flag: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`${flag} must be an ISO date or a duration, got ${JSON.stringify(value)}`);
  return date;
}

export const statsCommand: Command = {
  name: 'stats',
  summary: 'job counts per queue and state; history reports (stats jobs|errors|durations|…)',
  help: HELP,
  async run(context) {
    const { values, positionals } = parseCommand('stats', context.args, OPTIONS);
    if (values.help) return showHelp(HELP);
    const [reportName, ...extra] = positionals;
    if (reportName !== undefined) {
      const report = REPORTS[reportName];
      if (!report)
        throw new UsageError(`unknown report "${reportName}"; reports: ${Object.keys(REPORTS).join(', ')}`);
      expectPositionals('stats', extra, [], `conveyor stats ${reportName}`);
      const filter = filterFrom(values);
      const result = await withConveyor(
        context,
        values,
        { requireConfig: false, logger: commandLogger() },
        (c) => report(c, filter),
      );
      if (values.json) printJson(result.data);
      else if (result.rows.length === 0) printLine('no runs in this window');
      else printLine(formatTable(result.headers, result.rows));
      return 0;
    }
    expectPositionals('stats', positionals, [], 'conveyor stats');
    const stats = await withConveyor(
      context,
      values,
      { requireConfig: false, logger: commandLogger() },
      (conveyor) => conveyor.stats(),
    );
    if (values.json) {
      printJson(stats);
      return 0;
    }
    if (stats.length === 0) {
      printLine('no queues yet: no jobs registered in the config and none in the database');
      return 0;
    }
    const headers = ['QUEUE', ...JOB_STATES.map((state) => state.toUpperCase())];
    printLine(
      formatTable(
        headers,
        stats.map((s) => [s.queue, ...JOB_STATES.map((state) => s.counts[state])]),
      ),
    );
    return 0;
  },
};
