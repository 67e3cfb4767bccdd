/**
 * The pruner's per-queue count and age rules against the overview rollup (src/maintenance/pruner.ts,
 * overview-rollup.ts): a run row is not deleted while its finish minute may still be rolled (the
 * first pass after the minute closes, and the pass that re-rolls it as the trailing minute), so the
 * rollup keeps counting attempts whose rows a count rule deletes, and the overview (src/api/overview.ts)
 * reads closed minutes from the rollup however small the history is. A rollup that stopped moving
 * does not hold rows back for ever.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildOverview, overviewWindow } from '../../src/api/overview.ts';
import { ALL_TENANTS } from '../../src/core/scope.ts';
import { rollupPass } from '../../src/maintenance/overview-rollup.ts';
import { pruneOnce, type RetentionPolicy } from '../../src/maintenance/pruner.ts';
import type { Store } from '../../src/store/store.ts';
import { migratedStore, useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
let store: Store;

const MINUTE = 60_000;
/** 12:00 UTC on a fixed day: minute M is [12:00, 12:01). */
const M = Date.UTC(2030, 0, 1, 12, 0, 0);
const at = (ms: number) => new Date(M + ms);
const keepTen: ReadonlyMap<string, RetentionPolicy> = new Map([
  ['q', { completed: { count: 10, ageMs: null }, failed: { count: 10, ageMs: null } }],
]);

beforeAll(async () => {
  store = await migratedStore(db);
});

beforeEach(async () => {
  await sql(db.url, 'TRUNCATE conveyor.job_runs, conveyor.run_minutes, conveyor.run_minute_waits');
  await sql(db.url, 'UPDATE conveyor.overview_rollup_state SET rolled_until = NULL');
});

/** `n` completed and `n` failed attempts of queue q finished inside minute M. */
const insertRunsInMinuteM = (n: number) =>
  sql(
    db.url,
    `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, enqueued_at, due_at, started_at, finished_at)
     SELECT g, 'q', 'n', 't', 1, s.status, f, f, f, f
     FROM generate_series(1, $1::integer) g, unnest(ARRAY['completed', 'failed']) AS s(status),
       LATERAL (SELECT $2::timestamptz + g * interval '100 milliseconds') AS t(f)`,
    [n, at(0).toISOString()],
  );

const rolledM = async () =>
  (
    await sql(
      db.url,
      `SELECT completed::int, failed::int FROM conveyor.run_minutes WHERE total AND queue = 'q' AND minute = $1`,
      [at(0).toISOString()],
    )
  )[0];
const rowsLeft = async () =>
  (await sql(db.url, `SELECT count(*)::int AS n FROM conveyor.job_runs WHERE queue = 'q'`))[0]?.n;

describe('the pruner beside the overview rollup', () => {
  it('keeps a minute’s run rows until its last roll, so the rollup keeps what a count rule deletes', async () => {
    await insertRunsInMinuteM(50);
    await rollupPass(store, at(MINUTE + 5_000)); // M closed 5 s ago: rolled for the first time
    expect(await rolledM()).toEqual({ completed: 50, failed: 50 });

    // M is the trailing minute the next pass rolls again: its rows stay.
    const early = await pruneOnce(store, keepTen, at(MINUTE + 10_000));
    expect(early.completed + early.failedRuns).toBe(0);
    expect(await rowsLeft()).toBe(100);

    await rollupPass(store, at(2 * MINUTE + 5_000)); // re-rolls M, then no pass reads M again
    expect(await rolledM()).toEqual({ completed: 50, failed: 50 });

    const late = await pruneOnce(store, keepTen, at(2 * MINUTE + 10_000));
    expect(late).toMatchObject({ completed: 40, failedRuns: 40 });
    expect(await rowsLeft()).toBe(20);

    await rollupPass(store, at(3 * MINUTE + 5_000));
    expect(await rolledM()).toEqual({ completed: 50, failed: 50 });
  });

  it('the overview of a small history counts the attempts a count rule deleted', async () => {
    await insertRunsInMinuteM(50);
    await rollupPass(store, at(MINUTE + 5_000));
    await rollupPass(store, at(2 * MINUTE + 5_000));
    await pruneOnce(store, keepTen, at(2 * MINUTE + 10_000));
    expect(await rowsLeft()).toBe(20);
    const overview = await buildOverview(
      store,
      { scope: ALL_TENANTS, window: overviewWindow(at(-5 * MINUTE), at(3 * MINUTE), MINUTE) },
      [],
      { now: at(2 * MINUTE + 20_000) },
    );
    expect(overview.totals).toMatchObject({ completed: 50, failed: 50 });
    expect(overview.series.completed[5]).toBe(50); // the bucket of minute M
  });

  it('rows of a minute not rolled yet are kept from the count rule', async () => {
    await insertRunsInMinuteM(50);
    await rollupPass(store, at(-MINUTE + 5_000)); // the watermark stands before M
    const beforeFirstRoll = await pruneOnce(store, keepTen, at(MINUTE + 1_000));
    expect(beforeFirstRoll.completed + beforeFirstRoll.failedRuns).toBe(0);
    await rollupPass(store, at(MINUTE + 5_000));
    expect(await rolledM()).toEqual({ completed: 50, failed: 50 });
  });

  it('with no rollup, or one stopped for over 10 minutes, the count rule prunes as before', async () => {
    await insertRunsInMinuteM(50);
    const noRollup = await pruneOnce(store, keepTen, at(MINUTE + 10_000));
    expect(noRollup).toMatchObject({ completed: 40, failedRuns: 40 });

    await sql(db.url, 'TRUNCATE conveyor.job_runs');
    await insertRunsInMinuteM(50);
    await rollupPass(store, at(-MINUTE + 5_000)); // watermark at M's start, then the leader stops rolling
    const stale = await pruneOnce(store, keepTen, at(12 * MINUTE));
    expect(stale).toMatchObject({ completed: 40, failedRuns: 40 });
  });
});
