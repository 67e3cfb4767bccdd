/**
 * Benchmark runner: node --experimental-strip-types src/main.ts --mode=quick|full
 *   [--only=contender,...] [--scenarios=name,...] [--runs=N] [--warmups=N] [--set=key:value,...]
 *   [--merge] [--no-build] [--no-report] [--no-vacuum-analyze] [--out=path] [--budget=seconds]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { type Entry, record, summarize } from './aggregate.ts';
import { CONTENDERS } from './contenders/index.ts';
import { collectMeta } from './meta.ts';
import { stamped } from './progress.ts';
import type { Metric } from './protocol.ts';
import { SessionPool } from './session-pool.ts';
import { BUDGET_SECONDS, type Mode, SIZES, type Sizes, warmupSizes } from './sizes.ts';
import { removeTemplates } from './store-lifecycle.ts';
import { WorkloadSessions } from './workload-sessions.ts';
import { SCENARIOS } from './workloads/index.ts';
import type { Scenario } from './workloads/types.ts';

const BENCH = new URL('..', import.meta.url);
const ROOT = new URL('../', BENCH);
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
// `issue` was a separate mode with the sizes; full has them now
const mode = (args.get('mode') === 'issue' ? 'full' : (args.get('mode') ?? 'quick')) as Mode;
if (!SIZES[mode]) throw new Error(`--mode must be quick or full, not ${mode}`);
const sizes: Sizes = { ...SIZES[mode] };
if (args.has('runs')) sizes.runs = sizes.crashRuns = Number(args.get('runs'));
if (args.has('warmups')) sizes.warmups = Number(args.get('warmups'));
// --set=drainJobs:5000,drainCapSeconds:2 (testing a piece at another size)
for (const pair of args.get('set')?.split(',') ?? []) {
  const [key, value] = pair.split(':');
  if (!key || !(key in sizes)) throw new Error(`--set: unknown size ${key}`);
  (sizes as unknown as Record<string, number | boolean>)[key] =
    value === 'true' || value === 'false' ? value === 'true' : Number(value);
}
const outName = { full: 'latest', quick: 'quick' }[mode];
const outPath = args.get('out') ?? new URL(`results/${outName}.json`, BENCH).pathname;
const only = args.get('only')?.split(',');
const scenarioNames = args.get('scenarios')?.split(',') ?? Object.keys(SCENARIOS);

const loadNow = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

function unitOf(metric: string): Metric['unit'] {
  if (metric.startsWith('enqueue_') || metric.startsWith('drain_')) return 'jobs/s';
  if (metric === 'backlog_share') return 'share';
  if (metric === 'crash_recovery_s') return 's';
  return 'ms';
}

function log(line: string): void {
  process.stdout.write(`${stamped(line)}\n`);
}

/**
 * Conveyor is the package at the repo root: build it (a failed build is noted; a dist/ that imports
 * is still measured), then check that dist/index.js exports the API.
 */
async function conveyorAvailability(notes: string[]): Promise<string | undefined> {
  if (args.get('no-build') !== 'true') {
    try {
      log('building Conveyor (npm run build in the repo root)');
      execFileSync('npm', ['--prefix', ROOT.pathname, 'run', 'build'], { stdio: 'pipe' });
    } catch (error) {
      const out = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
      const tail = out.split('\n').filter(Boolean).slice(-2).join(' | ');
      notes.push(`npm run build in the repo root failed; measuring whatever dist/ holds: ${tail}`);
      log(`warning: ${notes.at(-1)}`);
    }
  }
  const dist = new URL('dist/index.js', ROOT);
  if (!existsSync(dist)) return 'dist/index.js not found (Conveyor not built)';
  try {
    const mod = (await import(dist.href)) as Record<string, unknown>;
    if (typeof mod.createConveyor !== 'function' || typeof mod.defineJob !== 'function')
      return 'dist/index.js does not export createConveyor and defineJob yet';
  } catch (error) {
    return `importing dist/index.js failed: ${(error as Error).message}`;
  }
  return undefined;
}

function fmt(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  if (unit === 'jobs/s') return `${Math.round(value).toLocaleString('en-US')} jobs/s`;
  if (unit === 'share') return `${value.toFixed(3)} share`;
  return `${value.toFixed(unit === 's' ? 2 : 3)} ${unit}`;
}

/** Counted and warm-up runs a workload gets (fewer once the time budget is spent). */
function runCounts(name: string, overBudget: boolean): { counted: number; warmups: number } {
  if (overBudget) return { counted: 1, warmups: 0 };
  return name === 'crash'
    ? { counted: sizes.crashRuns, warmups: 0 }
    : { counted: sizes.runs, warmups: sizes.warmups };
}

async function main(): Promise<void> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const unavailable: Record<string, string> = {};
  const buildNotes: string[] = [];
  const budget = Number(args.get('budget') ?? BUDGET_SECONDS[mode]);
  const truncated: string[] = [];
  const conveyorProblem = await conveyorAvailability(buildNotes);
  if (conveyorProblem) {
    unavailable.conveyor = conveyorProblem;
    unavailable['conveyor-pglite'] = conveyorProblem;
  }
  const contenders = CONTENDERS.filter((c) => !only || only.includes(c.key));
  const vacuumAnalyzeAfterFill = args.get('no-vacuum-analyze') !== 'true';
  const meta = {
    ...(await collectMeta(mode, sizes, unavailable)),
    conveyorBuild: buildNotes,
    warmupSizes: warmupSizes(sizes),
    vacuumAnalyzeAfterFill,
  };
  const previous =
    args.get('merge') === 'true' && existsSync(outPath)
      ? (JSON.parse(readFileSync(outPath, 'utf8')) as {
          meta: Record<string, unknown> & { merged?: unknown[] };
          results: Record<string, Record<string, Entry>>;
        })
      : undefined;
  const results: Record<string, Record<string, Entry>> = previous?.results ?? {};
  const entries = (metric: string): Record<string, Entry> => {
    results[metric] ??= {};
    return results[metric];
  };
  const save = () => {
    mkdirSync(new URL('results/', BENCH), { recursive: true });
    const seconds = Math.round(elapsed());
    const own = {
      ...meta,
      elapsedSeconds: seconds,
      loadAverageNow: loadNow(),
      overBudgetSingleRun: truncated,
    };
    // --merge keeps the earlier run's meta and lists this partial rerun under `merged`
    const merged = previous
      ? {
          ...previous.meta,
          merged: [
            ...(previous.meta.merged ?? []),
            {
              date: meta.date,
              scenarios: scenarioNames,
              contenders: contenders.map((c) => c.key),
              elapsedSeconds: seconds,
              conveyor: meta.packages.conveyor,
              loadAverageAtStart: meta.loadAverageAtStart,
            },
          ],
        }
      : own;
    writeFileSync(outPath, `${JSON.stringify({ meta: merged, results }, null, 2)}\n`);
  };
  log(`mode ${mode}: ${contenders.map((c) => c.key).join(', ')}`);
  if (!process.version.startsWith('v24.'))
    log(`warning: running under Node ${process.version}, not the Node 24 of bench/node_modules/.bin/node`);
  const load = os.loadavg()[0]!;
  if (load > os.cpus().length * 0.5)
    log(
      `warning: load average ${load.toFixed(2)} on ${os.cpus().length} cores: other work on this machine will skew the figures`,
    );
  for (const [key, reason] of Object.entries(unavailable)) log(`unavailable: ${key}: ${reason}`);

  const activeFor = (scenario: Scenario) =>
    contenders.filter((c) => !(unavailable[c.key] ?? scenario.skip?.(c)));
  const plannedRuns = scenarioNames.reduce((n, name) => {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${name}`);
    const { counted, warmups } = runCounts(name, false);
    return n + activeFor(scenario).length * (counted + warmups);
  }, 0);
  let runsDone = 0;
  const pool = new SessionPool();
  log(`plan: ${plannedRuns} runs in ${scenarioNames.length} workloads; budget ${budget} s`);

  for (const scenarioName of scenarioNames) {
    const scenario = SCENARIOS[scenarioName]!;
    const scenarioStart = elapsed();
    for (const c of contenders) {
      const reason = unavailable[c.key] ?? scenario.skip?.(c);
      if (reason) for (const m of scenario.metrics) entries(m)[c.key] = { value: null, skipped: reason };
    }
    const active = activeFor(scenario);
    const overBudget = elapsed() > budget;
    if (overBudget && !truncated.includes(scenarioName)) {
      truncated.push(scenarioName);
      log(`over the ${budget} s budget: ${scenarioName} gets one counted run, no warm-up`);
    }
    const { counted, warmups } = runCounts(scenarioName, overBudget);
    const perContender = new Map(active.map((c) => [c.key, new Map<string, ReturnType<typeof record>[]>()]));
    const sessions = new WorkloadSessions(scenarioName, scenario, sizes, vacuumAnalyzeAfterFill, pool);
    await sessions.startAll(active);
    for (let run = 1 - warmups; run <= counted; run++) {
      const shift = (run + warmups - 1) % Math.max(1, active.length);
      const order = [...active.slice(shift), ...active.slice(0, shift)];
      for (const c of order) {
        const warmup = run <= 0;
        const label = warmup ? 'warm-up' : `run ${run}/${counted}`;
        const outcome = await sessions.run(
          c,
          warmup ? `w${1 - run}` : `r${run}`,
          warmup,
          mode === 'quick' ? 240_000 : 900_000,
        );
        runsDone++;
        const figures = outcome.ok
          ? scenario.metrics
              .map((m) => {
                const x = outcome.result.metrics[m];
                return `${m}=${fmt(x?.value ?? null, unitOf(m))}`;
              })
              .join(' ')
          : `ERROR ${outcome.error}`;
        const r = outcome.ok ? outcome.result : undefined;
        const loss = r ? ` lost=${r.lost} dup=${r.duplicated}` : '';
        const cap = r?.capped ? ` capped: ${r.completed} done, ${r.pending} pending` : '';
        const note = r?.note ? ` (${r.note})` : '';
        log(
          `${scenarioName} ${label} ${c.key}: ${figures}${loss}${cap}${note} [${outcome.seconds.toFixed(1)} s]`,
        );
        if (warmup) continue;
        const byMetric = perContender.get(c.key)!;
        for (const m of scenario.metrics) {
          const list = byMetric.get(m) ?? [];
          list.push(record(run, outcome, m));
          byMetric.set(m, list);
        }
      }
    }
    await sessions.endAll(active);
    for (const c of active) {
      for (const m of scenario.metrics) {
        const runs = perContender.get(c.key)!.get(m) ?? [];
        entries(m)[c.key] = summarize(runs, unitOf(m));
      }
    }
    save();
    const spent = elapsed();
    const eta = runsDone > 0 ? (spent / runsDone) * Math.max(0, plannedRuns - runsDone) : 0;
    log(
      `${scenarioName} took ${Math.round(spent - scenarioStart)} s; ${Math.round(spent)} s elapsed, ${runsDone}/${plannedRuns} runs, about ${Math.round(eta)} s to go`,
    );
  }
  await pool.closeAll();
  await removeTemplates();
  save();
  log(`done in ${Math.round(elapsed())} s; wrote ${outPath}`);
  if (args.get('no-report') !== 'true') {
    const { writeReport } = await import('./report/main.ts');
    await writeReport();
    log('wrote RESULTS.md and charts');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
