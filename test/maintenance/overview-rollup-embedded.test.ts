/**
 * The overview rollup on the embedded database (PGlite, in memory): the same SQL rolls the run
 * history and counts the live table, and the overview read through them equals the exact one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildOverview, overviewWindow } from '../../src/api/overview.ts';
import { ALL_TENANTS } from '../../src/core/scope.ts';
import { countsRefresh, rollupPass } from '../../src/maintenance/overview-rollup.ts';
import { createPgliteDriver } from '../../src/store/pglite/pglite-driver.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { SqlDriver } from '../../src/store/sql-driver.ts';

let driver: SqlDriver | null = null;
afterAll(() => driver?.close());

describe('overview rollup on PGlite', () => {
  it('rolls, counts and serves the overview', { timeout: 120_000 }, async () => {
    driver = await createPgliteDriver({ dataDir: 'memory://' });
    const pglite = driver;
    const store = createPostgresStore(pglite, 'conveyor');
    await store.migrate();
    const base = Math.floor((Date.now() - 86_400_000) / 3_600_000) * 3_600_000;
    const run = (dueS: number, waitMs: number, status: string) =>
      pglite.query(
        '',
        `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, enqueued_at, due_at, started_at, finished_at)
         VALUES (1, 'q', 'n', 't', 1, $1, $2, $2, $3, $3)`,
        [status, new Date(base + dueS * 1000), new Date(base + dueS * 1000 + waitMs)],
      );
    await run(30, 100_000, 'completed');
    await run(200, 5, 'failed');
    await run(900, 61_000, 'completed');
    const read = (exactBelowRows: number) =>
      buildOverview(
        store,
        { scope: ALL_TENANTS, window: overviewWindow(new Date(base), new Date(base + 3_600_000), 300_000) },
        [],
        { exactBelowRows },
      );
    const exact = await read(Number.POSITIVE_INFINITY);
    expect((await rollupPass(store, new Date(base + 30 * 60_000))).runs).toBe(3);
    await store.overviewCountsWanted({ now: new Date() });
    expect((await countsRefresh(store, new Date(), Number.NEGATIVE_INFINITY)).counted).toBe(true);
    const rolled = await read(Number.NEGATIVE_INFINITY);
    expect(rolled.waitP95Estimated).toBe(true);
    expect(rolled.totals).toEqual({ ...exact.totals });
    expect(rolled.series.completed).toEqual(exact.series.completed);
    expect(rolled.series.depth).toEqual(exact.series.depth);
  });
});
