/**
 * Keeps what the dashboard overview reads at scale (docs/api.md#speed), off the hot path: nothing
 * here runs in enqueue, claim or complete. Leader-only; two periodic tasks.
 *
 * 1. The per-minute rollup of the run history (run_minutes, run_minute_waits; migration 0013). A
 *    pass runs a few seconds after each minute closes and recomputes the finish minutes
 *    [watermark − trailing, floor(now)) from job_runs (BRIN on finished_at), one statement per
 *    chunk of at most an hour, each deleting and re-inserting its minutes and moving the watermark
 *    (overview_rollup_state.rolled_until) to its end. The first pass starts at the oldest run row.
 *
 *    Invariant (late commits): the overview reads minutes before the watermark from the rollup
 *    and the rest from job_runs. A run row becomes visible when its transaction commits, which can
 *    be after its finished_at minute was rolled. Because every pass re-rolls the trailing span
 *    (default 1 minute) before the old watermark, a row committed at most `trailingMs` after its
 *    minute closed — more exactly, before the first pass whose start minute minus `trailingMs` is
 *    past its minute — is counted once that pass has run; until then the overview misses it, as
 *    a read straight from job_runs would have until it committed. A completion batch commits
 *    milliseconds after it stamps finished_at; a run row committed later than that (a handler
 *    completing inside a business transaction held open for over a minute) is counted only in
 *    job_runs, not in the rollup. Passes are idempotent: a span rolled twice holds the same rows.
 *
 *    The rollup follows the run history's age limit (retention.history.age): each pass deletes
 *    minutes older than it. The pruner's per-queue count rules do not reach it, and they delete
 *    no run row whose minute a pass may still read (runsFinalBefore, below).
 *
 * 2. The counts snapshot (job_counts): the live table's jobs per queue, tenant and state, counted
 *    in one scan. Taken here, once for the cluster, rather than stale-while-revalidate in each API
 *    process: one full scan per interval whatever the number of API processes and dashboards, and
 *    no request ever waits for a count (a cold SWR cache would make the first request after each
 *    deploy pay the ~345 ms scan of 1M jobs). The next count is at least 10× the last one's
 *    duration later (min 2 s), so the scan costs at most ~10 % of one connection. Skipped while
 *    the planner estimates the table under OVERVIEW_EXACT_BELOW_ROWS: the overview counts small
 *    tables exactly. Counted only while wanted: an overview read of a large table records that it
 *    asked (overview_rollup_state.counts_wanted_at, at most every 10 s), and the leader counts
 *    while the last ask is under COUNTS_WANTED_FOR_MS old. With no dashboard open nothing is
 *    scanned (a count of the 100k-job drain's table every 2 s would be DB time inside every
 *    drain); the first overview after a quiet spell counts live, as a small table's does, and the
 *    leader's next look (≤ 5 s) resumes the snapshots.
 */
import type { Logger } from 'pino';
import type { Service } from '../runtime/service.ts';
import type { Store } from '../store/store.ts';
import { PeriodicTask } from './periodic-task.ts';

/** Below this many rows (planner estimate), the overview counts jobs and runs exactly, without the rollup or snapshot. */
export const OVERVIEW_EXACT_BELOW_ROWS = 100_000;
/**
 * A counts snapshot is read for at least this long after it was taken, and for 3× the interval
 * to the leader's next count when that is longer (a count of 10× more jobs); older, its leader is
 * gone and the overview counts live.
 */
export const COUNTS_MAX_AGE_MS = 60_000;
const COUNTS_MIN_INTERVAL_MS = 2_000;
/** The leader keeps counting for this long after the last overview read that asked. */
export const COUNTS_WANTED_FOR_MS = 5 * 60_000;

/** The interval to the next count after one that took `ms`: ≥ 10× its duration, at least `minMs`. */
export const countsInterval = (ms: number, minMs = COUNTS_MIN_INTERVAL_MS): number =>
  Math.max(minMs, 10 * ms);

const MINUTE_MS = 60_000;
const floorMinute = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;
/** Minutes before the watermark each pass rolls again, unless a pass is given `trailingMs`. */
export const ROLLUP_TRAILING_MS = MINUTE_MS;
/** A watermark older than this is a rollup that stopped (no leader rolls): it holds no rows back. */
export const ROLLUP_STALLED_MS = 10 * MINUTE_MS;

/**
 * The instant before which every run row is in the rollup for good: no later pass reads its minute
 * again (passes roll from the watermark minus the trailing span). The pruner's per-queue count and
 * age rules delete no run row finished at or after it, so a row a count rule deletes was counted by
 * the first pass after its minute closed and by the pass that re-rolled it; otherwise the re-roll
 * would replace the minute's counts with what the rule left (the newest 1,000 by default). Null —
 * prune as the rules say — when no rollup ever ran, or its watermark is over ROLLUP_STALLED_MS old
 * (the leader stopped rolling: holding rows for it would let job_runs grow without bound). A pass
 * given another `trailingMs` (tests) is not accounted for here. While it holds, a queue keeps the
 * rows of the last one to two minutes on top of what its count rule keeps.
 */
export function runsFinalBefore(rolledUntil: Date | null, now: Date): Date | null {
  if (rolledUntil === null || rolledUntil.getTime() <= now.getTime() - ROLLUP_STALLED_MS) return null;
  return new Date(rolledUntil.getTime() - ROLLUP_TRAILING_MS);
}

export interface RollupOptions {
  /** Minutes before the watermark rolled again by each pass (default 1 minute; whole minutes). */
  trailingMs?: number;
  /** Most minutes one statement rolls (default 60), so catching up never holds one long statement. */
  chunkMs?: number;
  /** retention.history.age: rollup minutes older than this are deleted (null: kept). */
  historyAgeMs?: number | null;
}

export interface RollupPassReport {
  /** The span rolled: finish minutes [from, to). */
  from: Date;
  to: Date;
  /** Run rows read. */
  runs: number;
  /** Statements (chunks) run. */
  statements: number;
  /** Rollup rows deleted by retention. */
  pruned: number;
  ms: number;
}

/** One rollup pass at `now` (see the design note). */
export async function rollupPass(
  store: Store,
  now: Date,
  options: RollupOptions = {},
): Promise<RollupPassReport> {
  const trailingMs = options.trailingMs ?? ROLLUP_TRAILING_MS;
  const chunkMs = options.chunkMs ?? 60 * MINUTE_MS;
  const started = performance.now();
  const to = floorMinute(now.getTime());
  const { rolledUntil } = await store.overviewRollupState();
  const first = rolledUntil === null ? await store.overviewRollupFirstMinute() : null;
  let from = floorMinute(
    rolledUntil === null
      ? Math.min(first?.getTime() ?? to, to - trailingMs)
      : Math.min(rolledUntil.getTime(), to) - trailingMs,
  );
  const report: RollupPassReport = {
    from: new Date(from),
    to: new Date(to),
    runs: 0,
    statements: 0,
    pruned: 0,
    ms: 0,
  };
  while (from < to) {
    const next = Math.min(from + chunkMs, to);
    report.runs += await store.overviewRollupRoll({ from: new Date(from), to: new Date(next) });
    report.statements++;
    from = next;
  }
  if (options.historyAgeMs != null) {
    report.pruned = await store.overviewRollupPrune({
      before: new Date(now.getTime() - options.historyAgeMs),
    });
  }
  report.ms = performance.now() - started;
  return report;
}

export interface CountsReport {
  /**
   * False: nothing was counted, because the live table is small (the overview counts it exactly)
   * or no overview asked for counts in the last COUNTS_WANTED_FOR_MS.
   */
  counted: boolean;
  groups: number;
  ms: number;
}

/**
 * Takes the counts snapshot as of `now`, unless the live table is small. `lastMs`: how long the
 * previous count took (it sets how long this snapshot may be read: 3× the interval to the next).
 */
export async function countsRefresh(
  store: Store,
  now: Date,
  exactBelowRows = OVERVIEW_EXACT_BELOW_ROWS,
  lastMs = 0,
): Promise<CountsReport> {
  const { jobsEstimate, countsWantedAt } = await store.overviewRollupState();
  const wanted = countsWantedAt !== null && now.getTime() - countsWantedAt.getTime() <= COUNTS_WANTED_FOR_MS;
  if (jobsEstimate < exactBelowRows || !wanted) return { counted: false, groups: 0, ms: 0 };
  const started = performance.now();
  const freshMs = Math.max(COUNTS_MAX_AGE_MS, 3 * countsInterval(lastMs));
  const groups = await store.overviewCountsRefresh({ now, freshMs });
  return { counted: true, groups, ms: performance.now() - started };
}

export interface OverviewRollupOptions extends RollupOptions {
  /** Seconds after a minute closes before it is rolled (default 5 s). */
  settleMs?: number;
  /** Shortest interval between counts (default 2 s); the interval is ≥ 10× the last count's duration. */
  countsMinIntervalMs?: number;
  /** While the live table is small or no overview asks for counts: how often to look again (default 5 s). */
  countsIdleIntervalMs?: number;
}

/** The leader's overview rollup and counts snapshot. start() and stop() are idempotent. */
export class OverviewRollup implements Service {
  readonly name = 'overview-rollup';
  readonly #rollTask: PeriodicTask;
  readonly #countsTask: PeriodicTask;
  #passed: ((report: RollupPassReport) => void)[] = [];
  #counted: ((report: CountsReport) => void)[] = [];

  constructor(
    store: () => Promise<Store>,
    now: () => Date,
    log: Logger,
    options: OverviewRollupOptions = {},
  ) {
    const settleMs = options.settleMs ?? 5_000;
    const minIntervalMs = options.countsMinIntervalMs ?? COUNTS_MIN_INTERVAL_MS;
    let lastCountMs = 0;
    this.#rollTask = new PeriodicTask(
      'overview-rollup',
      async () => {
        const report = await rollupPass(await store(), now(), options);
        if (report.ms > 1_000) log.info(report, 'overview rollup pass');
        for (const resolve of this.#passed.splice(0)) resolve(report);
        const at = now().getTime();
        return floorMinute(at) + MINUTE_MS + settleMs - at;
      },
      log,
      5_000,
    );
    this.#countsTask = new PeriodicTask(
      'overview-counts',
      async () => {
        const report = await countsRefresh(await store(), now(), OVERVIEW_EXACT_BELOW_ROWS, lastCountMs);
        for (const resolve of this.#counted.splice(0)) resolve(report);
        if (!report.counted) return options.countsIdleIntervalMs ?? 5_000;
        lastCountMs = report.ms;
        return countsInterval(report.ms, minIntervalMs);
      },
      log,
      5_000,
    );
  }

  /** Resolves after the next rollup pass (a test signal). */
  nextPass(): Promise<RollupPassReport> {
    return new Promise((resolve) => this.#passed.push(resolve));
  }

  /** Resolves after the next counts refresh, or the next look at a small table (a test signal). */
  nextCount(): Promise<CountsReport> {
    return new Promise((resolve) => this.#counted.push(resolve));
  }

  /** The first pass and count a second after start, as the pruner's. */
  async start(): Promise<void> {
    this.#rollTask.start(1_000);
    this.#countsTask.start(1_000);
  }

  async stop(): Promise<void> {
    await Promise.all([this.#rollTask.stop(), this.#countsTask.stop()]);
  }
}
