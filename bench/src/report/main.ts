/**
 * Writes bench/RESULTS.md and bench/results/*.svg from results/latest.json (full run) and
 * results/quick.json (quick run), whichever exist, results/ceilings.json (machine ceilings,
 * npm run bench:ceilings) and results/api.json (npm run bench:api) if they do. Run: npm run report
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Entry } from '../aggregate.ts';
import { CEILINGS_FILE, type CeilingsFile } from '../ceilings/results-file.ts';
import { apiSection } from './api.ts';
import { machineCeilingsSection } from './ceilings.ts';
import { groupedBarChart, type Series } from './svg.ts';
import { type CeilingFigures, targetsTable } from './targets.ts';

const BENCH = new URL('../../', import.meta.url);
const ORDER = [
  'conveyor',
  'conveyor-pglite',
  'graphile-worker',
  'graphile-worker-localqueue',
  'pg-boss',
  'bullmq-redis',
  'bullmq-postgres',
];

const METRICS: { key: string; title: string; better: 'higher' | 'lower' }[] = [
  { key: 'enqueue_single_1', title: 'Single enqueue, 1 producer (awaited, durable)', better: 'higher' },
  { key: 'enqueue_single_16', title: 'Single enqueue, 16 concurrent producers', better: 'higher' },
  { key: 'enqueue_bulk', title: 'Bulk enqueue, batches of 1,000', better: 'higher' },
  { key: 'drain_c10', title: 'Drain, concurrency 10, one process', better: 'higher' },
  { key: 'drain_c50', title: 'Drain, concurrency 50, one process', better: 'higher' },
  { key: 'drain_c50_2proc', title: 'Drain, concurrency 50, two processes', better: 'higher' },
  { key: 'latency_idle_p50', title: 'Idle wake-up latency, p50 (enqueue → handler start)', better: 'lower' },
  { key: 'latency_idle_p99', title: 'Idle wake-up latency, p99', better: 'lower' },
  { key: 'latency_500_p99', title: 'Latency p99 at 500 arrivals/s', better: 'lower' },
  { key: 'latency_2000_p99', title: 'Latency p99 at 2,000 arrivals/s', better: 'lower' },
  {
    key: 'backlog_share',
    title: 'Drain rate with a far-future backlog, as share of the empty-table rate',
    better: 'higher',
  },
  {
    key: 'crash_recovery_s',
    title: 'Crash recovery: seconds from SIGKILL until in-flight jobs run again',
    better: 'lower',
  },
  {
    key: 'fairness_small_p99_ms',
    title: "Fairness: p99 wait of 99 small tenants' jobs behind one flooding tenant",
    better: 'lower',
  },
  {
    key: 'drain_c50_tenants',
    title: 'Drain, concurrency 50, jobs of 100 tenants (fair claim across groups)',
    better: 'higher',
  },
  {
    key: 'drain_c50_group_limited',
    title: 'Drain, concurrency 50, 100 tenants with a per-tenant concurrency limit of 2',
    better: 'higher',
  },
  {
    key: 'cold_start_ms',
    title: "Cold start: spawning a worker process → its first job's handler start",
    better: 'lower',
  },
  {
    key: 'event_socket_latency_p99',
    title: 'Realtime: publish → socket receive p99, 1,000 events/s, 1,000 clients, two gateways',
    better: 'lower',
  },
  {
    key: 'event_fanout_10k_sockets_ms',
    title: 'Realtime: one tenant event to 10,000 sockets, time to the last delivery',
    better: 'lower',
  },
  {
    key: 'dashboard_first_paint_ms',
    title: 'Dashboard: navigation → overview charts and tables painted, logged in, cold cache (median)',
    better: 'lower',
  },
];

interface ResultsFile {
  meta: Record<string, unknown> & {
    mode: string;
    date: string;
    node: string;
    cpus: number;
    cpuModel: string;
    elapsedSeconds?: number;
    postgres: Record<string, string>;
    redis: Record<string, string>;
    packages: Record<string, string | null>;
    contenders: Record<
      string,
      { backend: string; settings: string; fairness: string; crashRecovery: string }
    >;
    unavailable: Record<string, string>;
    sizes: Record<string, unknown>;
    method: string[];
    conveyorBuild?: string[];
    overBudgetSingleRun?: string[];
    loadAverageAtStart?: number[];
    availability?: string[];
    /** Partial reruns folded in with --merge, newest last. */
    merged?: {
      date: string;
      scenarios: string[];
      contenders: string[];
      elapsedSeconds: number;
      conveyor?: string | null;
      loadAverageAtStart?: number[];
    }[];
  };
  results: Record<string, Record<string, Entry>>;
}

function fmt(v: number | null | undefined, unit?: string): string {
  if (v === null || v === undefined) return '—';
  if (unit === 'jobs/s') return Math.round(v).toLocaleString('en-US');
  if (unit === 'share') return v.toFixed(2);
  if (unit === 's') return v.toFixed(2);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function contendersOf(file: ResultsFile): string[] {
  const seen = new Set<string>();
  for (const byContender of Object.values(file.results))
    for (const k of Object.keys(byContender)) seen.add(k);
  return ORDER.filter((k) => seen.has(k)).concat([...seen].filter((k) => !ORDER.includes(k)));
}

function status(e: Entry, better: 'higher' | 'lower'): string {
  if (e.skipped) return `skipped: ${e.skipped}`;
  const parts: string[] = [];
  if (e.failed) parts.push(`**FAILED** (${e.failed})`);
  if ((e.duplicated ?? 0) > 0) parts.push(`${e.duplicated} duplicated`);
  if (e.capped)
    parts.push(
      better === 'higher'
        ? `capped window (jobs run: ${e.completed?.map((n) => n.toLocaleString('en-US')).join(' / ')})`
        : 'capped: a lower bound',
    );
  if (e.notes?.length) parts.push(e.notes.join('; '));
  return parts.length ? parts.join('; ') : 'ok';
}

function cpuCell(e: Entry): string {
  const us = (v: number | null | undefined) => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));
  if (e.cpu_us_per_job == null && e.client_us_per_job == null) return '—';
  return `${us(e.cpu_us_per_job)} (${us(e.db_us_per_job)} + ${us(e.client_us_per_job)})`;
}

function table(file: ResultsFile, metric: (typeof METRICS)[number]): string {
  const rows = file.results[metric.key];
  if (!rows) return '_not measured_\n';
  const ref = rows.conveyor?.value ?? null;
  const unit = Object.values(rows).find((e) => e.unit)?.unit ?? '';
  // CPU per job (issue 17), where the workload measured it: total, database and client µs.
  const withCpu = Object.values(rows).some((e) => e.cpu_us_per_job != null || e.client_us_per_job != null);
  const refCpu = rows.conveyor?.cpu_us_per_job ?? null;
  const lines = [
    `| contender | median ${unit} | min – max | lost | dup | Conveyor ÷ this |${withCpu ? ' CPU µs/job (db + client) | CPU: Conveyor ÷ this |' : ''} status |`,
    `| --- | ---: | ---: | ---: | ---: | ---: |${withCpu ? ' ---: | ---: |' : ''} --- |`,
  ];
  for (const c of contendersOf(file)) {
    const e = rows[c];
    if (!e) continue;
    const ratio = ref !== null && e.value ? (ref / e.value).toFixed(2) : '—';
    const range = e.min !== undefined && e.min !== null ? `${fmt(e.min, unit)} – ${fmt(e.max, unit)}` : '—';
    // a capped run records the wait reached so far: each value, so the median too, is a lower bound
    const lowerBound = metric.better === 'lower' && e.capped === true;
    lines.push(
      `| ${c} | ${lowerBound ? '≥ ' : ''}${fmt(e.value, unit)} | ${range} | ${e.lost ?? '—'} | ${e.duplicated ?? '—'} | ${c === 'conveyor' ? '1.00' : ratio} |${withCpu ? ` ${cpuCell(e)} | ${c === 'conveyor' ? '1.00' : refCpu !== null && e.cpu_us_per_job ? (refCpu / e.cpu_us_per_job).toFixed(2) : '—'} |` : ''} ${status(e, metric.better)} |`,
    );
  }
  return `${lines.join('\n')}\n\n_${metric.better} is better; a Conveyor ÷ this ratio ${metric.better === 'higher' ? 'above' : 'below'} 1 means Conveyor does better._\n`;
}

function charts(file: ResultsFile, tag: string): string[] {
  // The charts are of the job-queue workloads: a contender of the realtime ones only (the Socket.IO
  // Redis adapter) has no bar there.
  const contenders = contendersOf(file).filter((c) => ORDER.includes(c));
  const value = (m: string, c: string) => file.results[m]?.[c]?.value ?? null;
  const drainMetrics = ['drain_c10', 'drain_c50', 'drain_c50_2proc'];
  const drain: Series[] = contenders.map((c) => ({ label: c, values: drainMetrics.map((m) => value(m, c)) }));
  const latencyMetrics: [string, string][] = [
    ['idle p50', 'latency_idle_p50'],
    ['idle p95', 'latency_idle_p95'],
    ['idle p99', 'latency_idle_p99'],
    ['500/s p50', 'latency_500.p50'],
    ['500/s p99', 'latency_500_p99'],
    ['2000/s p50', 'latency_2000.p50'],
    ['2000/s p99', 'latency_2000_p99'],
  ];
  const latencyValue = (key: string, c: string): number | null => {
    if (key === 'latency_idle_p95') return (file.results.latency_idle_p99?.[c]?.extra?.p95 as number) ?? null;
    if (key.endsWith('.p50')) {
      const metric = key.startsWith('latency_500') ? 'latency_500_p99' : 'latency_2000_p99';
      return (file.results[metric]?.[c]?.extra?.p50 as number) ?? null;
    }
    return value(key, c);
  };
  const latency: Series[] = contenders.map((c) => ({
    label: c,
    values: latencyMetrics.map(([, key]) => latencyValue(key, c)),
  }));
  const names = [`results/drain-${tag}.svg`, `results/latency-${tag}.svg`];
  writeFileSync(
    new URL(names[0]!, BENCH),
    groupedBarChart({
      title: `Drain throughput (${file.meta.mode} run, median)`,
      unit: 'jobs/s',
      categories: ['concurrency 10', 'concurrency 50', 'concurrency 50 × 2 processes'],
      series: drain,
    }),
  );
  writeFileSync(
    new URL(names[1]!, BENCH),
    groupedBarChart({
      title: `Enqueue → handler-start latency (${file.meta.mode} run, median of runs)`,
      unit: 'ms',
      categories: latencyMetrics.map(([label]) => label),
      series: latency,
      log: true,
    }),
  );
  return names;
}

function section(file: ResultsFile, tag: string, heading: string): string {
  const m = file.meta;
  const [drainSvg, latencySvg] = charts(file, tag);
  const out: string[] = [];
  out.push(`## ${heading}\n`);
  out.push(
    `Measured ${m.date} in ${m.elapsedSeconds ?? '?'} s (\`${m.mode}\` mode). Node ${m.node}; ${m.cpus} × ${m.cpuModel}; ${m.postgres.version?.split(' on ')[0]} (shared_buffers ${m.postgres.shared_buffers}, synchronous_commit ${m.postgres.synchronous_commit}, fsync ${m.postgres.fsync}, max_connections ${m.postgres.max_connections}); Redis ${m.redis.version} (AOF ${m.redis.aof_enabled === '1' ? 'on' : 'off'}).\n`,
  );
  out.push(
    `Packages: ${Object.entries(m.packages)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.\n`,
  );
  out.push(`Sizes: \`${JSON.stringify(m.sizes)}\`\n`);
  if (Object.keys(m.unavailable).length) {
    out.push('**Unavailable:**\n');
    for (const [k, v] of Object.entries(m.unavailable)) out.push(`- ${k}: ${v}`);
    out.push('');
  }
  if (m.conveyorBuild?.length) out.push(`**Conveyor build:** ${m.conveyorBuild.join('; ')}\n`);
  if (m.overBudgetSingleRun?.length)
    out.push(`**Time budget reached:** one counted run only for ${m.overBudgetSingleRun.join(', ')}.\n`);
  if (m.loadAverageAtStart && m.loadAverageAtStart[0]! > m.cpus * 0.5)
    out.push(
      `**Machine was busy:** load average ${m.loadAverageAtStart.join(' / ')} at the start on ${m.cpus} cores (other work ran beside the benchmark), so treat small differences as noise.\n`,
    );
  const reruns = m.merged ?? [];
  reruns.forEach((rerun, i) => {
    // A later rerun of every scenario × contender of this one replaced all of its rows.
    const replacedBy = reruns
      .slice(i + 1)
      .findLast(
        (later) =>
          rerun.scenarios.every((s) => later.scenarios.includes(s)) &&
          rerun.contenders.every((c) => later.contenders.includes(c)),
      );
    out.push(
      `**Re-measured ${rerun.date}** with \`--merge\`: ${rerun.scenarios.join(', ')} for ${rerun.contenders.join(', ')}` +
        (rerun.conveyor ? `; conveyor ${rerun.conveyor}` : '') +
        (rerun.loadAverageAtStart
          ? `; load average ${rerun.loadAverageAtStart.join(' / ')} at its start`
          : '') +
        (replacedBy
          ? `. Superseded: the rerun of ${replacedBy.date} replaced all of its rows.\n`
          : '. Those rows come from this rerun, the rest from the run above.\n'),
    );
  });
  for (const line of m.availability ?? []) out.push(`- ${line}`);
  if (m.availability?.length) out.push('');
  out.push('### Conveyor against its targets (issue 17; backlog, crash and fairness from issue 3)\n');
  out.push(targetsTable(file.results, ceilingFigures(file.meta.date)));
  out.push(`![Drain throughput](${drainSvg})\n`);
  out.push(`![Latency percentiles](${latencySvg})\n`);
  for (const metric of METRICS) {
    out.push(`### ${metric.key} — ${metric.title}\n`);
    out.push(table(file, metric));
  }
  return out.join('\n');
}

function settings(file: ResultsFile): string {
  const lines = [
    '| contender | store | configuration | fairness | crash recovery setting |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [k, c] of Object.entries(file.meta.contenders)) {
    lines.push(`| ${k} | ${c.backend} | ${c.settings} | ${c.fairness} | ${c.crashRecovery} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** node_enqueue from results/ceilings.json, for the enqueue target; undefined before bench:ceilings ran. */
function ceilingFigures(runDate: string): CeilingFigures | undefined {
  const path = new URL(CEILINGS_FILE, BENCH);
  if (!existsSync(path)) return undefined;
  const file = JSON.parse(readFileSync(path, 'utf8')) as CeilingsFile;
  const apart = Math.abs(Date.parse(file.meta.date) - Date.parse(runDate));
  return {
    nodeEnqueue: file.results.node_enqueue_ceiling.value,
    date: file.meta.date,
    sameSession: apart < 7_200_000,
  };
}

export async function writeReport(): Promise<void> {
  const files: [string, string, string][] = [
    ['results/latest.json', 'full', 'Full run (`npm run bench`)'],
    ['results/quick.json', 'quick', 'Quick run (`npm run bench:quick`)'],
  ];
  const present = files
    .filter(([p]) => existsSync(new URL(p, BENCH)))
    .map(
      ([p, tag, heading]) =>
        [JSON.parse(readFileSync(new URL(p, BENCH), 'utf8')) as ResultsFile, tag, heading] as const,
    );
  const out: string[] = [
    '# Conveyor benchmark results',
    '',
    '_Generated by `npm run report` (bench/src/report/main.ts) from bench/results/*.json; do not edit by hand._',
    '',
    'Every contender runs under the same Node binary (the `node` package in bench/package.json), in a child process of its own, with a fresh database (or Redis db, or PGlite dir) per contender and workload. Drain windows are capped (a capped value is jobs run within the window / its length); jobs a cap left are counted as pending, not lost. A contender that lost a job in a workload is marked **FAILED** there, whatever its speed.',
    '',
  ];
  if (present.length === 0) out.push('No results yet: run `npm run bench:quick` or `npm run bench`.');
  else {
    const first = present[0]![0];
    out.push('## How it was measured\n');
    for (const line of first.meta.method) out.push(`- ${line}`);
    out.push('\n## Contender configurations\n');
    out.push(settings(first));
  }
  const ceilings = machineCeilingsSection(BENCH, present.find(([, tag]) => tag === 'full')?.[0]);
  if (ceilings) out.push(ceilings);
  for (const [file, tag, heading] of present) out.push(section(file, tag, heading));
  const api = apiSection(BENCH);
  if (api) out.push(api);
  writeFileSync(new URL('RESULTS.md', BENCH), `${out.join('\n')}\n`);
}

if (import.meta.main) await writeReport();
