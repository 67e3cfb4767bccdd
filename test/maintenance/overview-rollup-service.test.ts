/**
 * The overview rollup service (src/maintenance/overview-rollup.ts) on a real database: start() runs
 * a rollup pass and a counts look a second later, both idempotent; stop() waits for them and is safe
 * twice or never started; retention deletes rollup minutes older than the history's age limit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OverviewRollup, rollupPass } from '../../src/maintenance/overview-rollup.ts';
import type { Store } from '../../src/store/store.ts';
import { migratedStore, useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';

const db = useConveyorDatabase();
let store: Store;

beforeAll(async () => {
  store = await migratedStore(db);
});

const insertRun = (finishedAt: Date) =>
  sql(
    db.url,
    `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, enqueued_at, due_at, started_at, finished_at)
     VALUES (1, 'q', 'n', 't', 1, 'completed', $1, $1, $1, $1)`,
    [finishedAt.toISOString()],
  );

describe('OverviewRollup', () => {
  it('start() rolls the closed minutes and looks at the counts; start and stop are idempotent', async () => {
    const now = new Date();
    await insertRun(new Date(now.getTime() - 10 * 60_000));
    const service = new OverviewRollup(
      async () => store,
      () => now,
      testLogger,
    );
    await service.stop(); // never started: safe
    const passed = service.nextPass();
    const counted = service.nextCount();
    await service.start();
    await service.start();
    const report = await passed;
    expect(report.runs).toBe(1);
    expect(report.to.getTime()).toBe(Math.floor(now.getTime() / 60_000) * 60_000);
    // 0 rows in the live table: counted exactly by the overview, no snapshot taken.
    expect(await counted).toEqual({ counted: false, groups: 0, ms: 0 });
    await service.stop();
    await service.stop();
    const [state] = await sql(
      db.url,
      'SELECT rolled_until, counts_as_of FROM conveyor.overview_rollup_state',
    );
    expect(state).toEqual({ rolled_until: report.to, counts_as_of: null });
    expect(
      await sql(db.url, 'SELECT sum(completed)::int AS n FROM conveyor.run_minutes WHERE NOT total'),
    ).toEqual([{ n: 1 }]);
  });

  it('a pass deletes rollup minutes older than the history age limit', async () => {
    const now = new Date();
    await insertRun(new Date(now.getTime() - 3 * 86_400_000));
    await sql(db.url, 'UPDATE conveyor.overview_rollup_state SET rolled_until = NULL');
    const first = await rollupPass(store, now);
    expect(first.runs).toBe(2);
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM conveyor.run_minutes WHERE NOT total')).toEqual([
      { n: 2 },
    ]);
    const pruned = await rollupPass(store, now, { historyAgeMs: 86_400_000 });
    expect(pruned.pruned).toBe(2); // the minute's row of tenant t and its row over every tenant
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM conveyor.run_minutes WHERE NOT total')).toEqual([
      { n: 1 },
    ]);
  });
});
