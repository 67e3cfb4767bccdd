/**
 * The overview through the per-minute rollup equals the overview read straight from job_runs, on
 * the same random history (fast-check, seeded), except the p95 waits, which are histogram
 * estimates within the documented error (4.4 % + 0.5 ms); a run row committed after its minute was
 * rolled is counted after the next pass; a tenant-scoped read never sums another tenant's rollup
 * rows; a counts snapshot is reported with its time, and not read once it is stale.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOverview, overviewWindow, WAIT_P95_RELATIVE_ERROR } from '../../src/api/overview.ts';
import { ALL_TENANTS, type Scope, tenantScope } from '../../src/core/scope.ts';
import { countsRefresh, rollupPass } from '../../src/maintenance/overview-rollup.ts';
import type { Store } from '../../src/store/store.ts';
import { migratedStore, useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();
let store: Store;

beforeAll(async () => {
  store = await migratedStore(db);
});

const MINUTE = 60_000;
/** A fixed past hour, whole minutes: the window is [BASE, BASE + 3h). */
const BASE = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
const EXACT = { exactBelowRows: Number.POSITIVE_INFINITY };
const ROLLUP = { exactBelowRows: Number.NEGATIVE_INFINITY };

interface RunSeed {
  queue: string;
  tenant: string | null;
  status: 'completed' | 'failed' | 'dead' | 'stalled' | 'cancelled';
  /** ms after BASE (may be before the window). */
  due: number;
  wait: number;
  run: number;
}

const runSeed = fc.record({
  queue: fc.constantFrom('qa', 'qb'),
  tenant: fc.constantFrom('t1', 't2', null),
  status: fc.constantFrom('completed', 'completed', 'failed', 'dead', 'stalled', 'cancelled'),
  due: fc.integer({ min: -20 * MINUTE, max: 190 * MINUTE }),
  // Waits from 0 to ~15 min, many under a second (µs resolution, some < 1 ms).
  wait: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 900_000_000 })),
  run: fc.integer({ min: 0, max: 5 * MINUTE }),
}) as fc.Arbitrary<RunSeed>;

async function seedRuns(runs: RunSeed[]): Promise<void> {
  await sql(db.url, 'TRUNCATE conveyor.job_runs, conveyor.run_minutes, conveyor.run_minute_waits');
  await sql(db.url, 'UPDATE conveyor.overview_rollup_state SET rolled_until = NULL, counts_as_of = NULL');
  const at = (ms: number) => new Date(BASE + ms).toISOString();
  for (let i = 0; i < runs.length; i += 200) {
    const slice = runs.slice(i, i + 200);
    await sql(
      db.url,
      `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, enqueued_at, due_at, started_at, finished_at)
       SELECT 1, q, 'n', t, 1, s, d, d, CASE WHEN s = 'cancelled' THEN NULL ELSE st END, st + r * interval '1 millisecond'
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::bigint[]) AS x(q, t, s, d, w, r),
         LATERAL (SELECT d + w * interval '1 microsecond' AS st) y`,
      [
        slice.map((r) => r.queue),
        slice.map((r) => r.tenant),
        slice.map((r) => r.status),
        slice.map((r) => at(r.due)),
        // The wait in µs (timestamps are whole microseconds), the run in ms.
        slice.map((r) => r.wait),
        slice.map((r) => r.run),
      ],
    );
  }
}

type Overview = Awaited<ReturnType<typeof buildOverview>>;

const read = (
  bucketMs: number,
  filters: { scope?: Scope; queue?: string; tenantId?: string },
  options: { exactBelowRows: number; now?: Date },
  since = BASE,
  until = BASE + 180 * MINUTE,
): Promise<Overview> =>
  buildOverview(
    store,
    {
      scope: filters.scope ?? ALL_TENANTS,
      window: overviewWindow(new Date(since), new Date(until), bucketMs),
      ...(filters.queue !== undefined ? { queue: filters.queue } : {}),
      ...(filters.tenantId !== undefined ? { tenantId: filters.tenantId } : {}),
    },
    [],
    options,
  );

/** Means are sums divided by counts, summed in another order: equal to 1e-9. */
function expectSameFigures(actual: Overview, expected: Overview): void {
  const { series: a, ...restA } = actual;
  const { series: e, ...restE } = expected;
  const strip = (o: typeof restA) =>
    JSON.parse(JSON.stringify({ ...o, countsAsOf: null, waitP95Estimated: null }));
  const close = (x: unknown) =>
    JSON.parse(JSON.stringify(x), (_k, v) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v));
  expect(close(strip(restA))).toEqual(close(strip(restE)));
  expect(a.t).toEqual(e.t);
  expect(a.completed).toEqual(e.completed);
  expect(a.failed).toEqual(e.failed);
  expect(a.depth).toEqual(e.depth);
  expect(close(a.waitMeanMs)).toEqual(close(e.waitMeanMs));
  for (const [k, exact] of e.waitP95Ms.entries()) {
    const estimate = a.waitP95Ms[k];
    if (exact === null) {
      expect(estimate, `bucket ${k}`).toBeNull();
      continue;
    }
    expect(estimate, `bucket ${k}`).not.toBeNull();
    expect(Math.abs(estimate! - exact), `bucket ${k}: ${estimate} vs ${exact}`).toBeLessThanOrEqual(
      WAIT_P95_RELATIVE_ERROR * Math.abs(exact) + 0.5 + 1e-9,
    );
  }
}

describe('overview through the rollup', () => {
  it('equals the overview read from job_runs (p95 within the histogram error), for every filter and bucket', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(runSeed, { minLength: 0, maxLength: 400 }),
        // The pass's time: the rollup covers the window up to here, job_runs the rest.
        fc.integer({ min: 0, max: 200 }),
        fc.constantFrom(60_000, 300_000, 900_000),
        fc.constantFrom<{ scope?: Scope; queue?: string; tenantId?: string }>(
          {},
          { scope: tenantScope('t1') },
          { queue: 'qb' },
          { tenantId: 't2' },
          { scope: tenantScope('t2'), queue: 'qa' },
        ),
        async (runs, passMinute, bucketMs, filters) => {
          await seedRuns(runs);
          const exact = await read(bucketMs, filters, EXACT);
          await rollupPass(store, new Date(BASE + passMinute * MINUTE + 1234));
          const rolled = await read(bucketMs, filters, ROLLUP);
          expect(exact.waitP95Estimated).toBe(false);
          expect(rolled.waitP95Estimated).toBe(passMinute > 0);
          expectSameFigures(rolled, exact);
        },
      ),
      { numRuns: 25, seed: 160013 },
    );
  });

  it('buckets that are not whole minutes read job_runs only (exact p95)', async () => {
    await seedRuns([
      { queue: 'qa', tenant: 't1', status: 'completed', due: 10 * MINUTE, wait: 1_234_567, run: 10 },
    ]);
    await rollupPass(store, new Date(BASE + 200 * MINUTE));
    const rolled = await read(30_000, {}, ROLLUP, BASE, BASE + 60 * MINUTE);
    expect(rolled.waitP95Estimated).toBe(false);
    expect(rolled.series.waitP95Ms.filter((x) => x !== null)).toEqual([1234.567]);
  });

  it('a run row committed after its minute was rolled is counted after the next pass', async () => {
    await seedRuns([
      { queue: 'qa', tenant: 't1', status: 'completed', due: 5 * MINUTE, wait: 1_000_000, run: 0 },
    ]);
    // The pass at 10:30 rolls up to 10:00; a row finished at 9:20 commits after it.
    const first = await rollupPass(store, new Date(BASE + 10.5 * MINUTE));
    expect(first.to.getTime()).toBe(BASE + 10 * MINUTE);
    await sql(
      db.url,
      `INSERT INTO conveyor.job_runs (job_id, queue, name, tenant_id, attempt, status, enqueued_at, due_at, started_at, finished_at)
       VALUES (2, 'qa', 'n', 't1', 1, 'failed', $1, $1, $1, $2)`,
      [new Date(BASE + 9 * MINUTE).toISOString(), new Date(BASE + 9 * MINUTE + 20_000).toISOString()],
    );
    const until = BASE + 10 * MINUTE;
    const before = await read(60_000, {}, ROLLUP, BASE, until);
    expect(before.totals).toMatchObject({ completed: 1, failed: 0 });
    const second = await rollupPass(store, new Date(BASE + 11.5 * MINUTE));
    expect(second.from.getTime()).toBe(BASE + 9 * MINUTE);
    const after = await read(60_000, {}, ROLLUP, BASE, until);
    expect(after.totals).toMatchObject({ completed: 1, failed: 1 });
    expectSameFigures(after, await read(60_000, {}, EXACT, BASE, until));
    // Passes are idempotent: the same span rolled again holds the same rows.
    const rows = await sql(db.url, 'SELECT * FROM conveyor.run_minutes ORDER BY minute, queue');
    await rollupPass(store, new Date(BASE + 11.5 * MINUTE));
    expect(await sql(db.url, 'SELECT * FROM conveyor.run_minutes ORDER BY minute, queue')).toEqual(rows);
  });

  it("a tenant-scoped read never sums another tenant's rollup rows", async () => {
    await seedRuns([
      { queue: 'qa', tenant: 't1', status: 'completed', due: 6 * MINUTE, wait: 2_000_000, run: 0 },
      ...Array.from({ length: 30 }, (_, i) => ({
        queue: 'qa',
        tenant: 't2',
        status: 'failed' as const,
        due: (5 + i) * MINUTE,
        wait: 90_000_000,
        run: 0,
      })),
    ]);
    await rollupPass(store, new Date(BASE + 120 * MINUTE));
    expect(
      (await sql(db.url, "SELECT count(*)::int AS n FROM conveyor.run_minutes WHERE tenant_id = 't2'"))[0],
    ).toEqual({
      n: 30,
    });
    const own = await read(300_000, { scope: tenantScope('t1') }, ROLLUP);
    expect(own.waitP95Estimated).toBe(true);
    expect(own.totals).toMatchObject({ completed: 1, failed: 0 });
    expect(own.tenants.map((t) => t.tenantId)).toEqual(['t1']);
    expect(own.series.depth.every((d) => d === 0)).toBe(true);
    expect(own.series.waitP95Ms.filter((x) => x !== null)).toHaveLength(1);
    // Naming another tenant under a scoped credential reads nothing.
    const other = await read(300_000, { scope: tenantScope('t1'), tenantId: 't2' }, ROLLUP);
    expect(other.totals).toMatchObject({ completed: 0, failed: 0 });
  });

  it('counts come from the snapshot with its time, and from the live table once it is stale', async () => {
    const taken = new Date(BASE + 60 * MINUTE);
    await sql(
      db.url,
      `INSERT INTO conveyor.jobs (queue, name, state, run_at, payload, max_attempts, tenant_id, group_key, created_at, sort_key)
       VALUES ('qa', 'n', 'ready', now(), '{}', 3, 't1', 't1', now(), 0)`,
    );
    // Nobody asked (the reads above did: forget them): the leader does not count. An overview
    // read of a large table asks.
    await sql(db.url, 'UPDATE conveyor.overview_rollup_state SET counts_wanted_at = NULL');
    expect((await countsRefresh(store, taken, Number.NEGATIVE_INFINITY)).counted).toBe(false);
    const asking = await read(300_000, {}, { ...ROLLUP, now: new Date(taken.getTime() - 60_000) });
    expect(asking.countsAsOf).toBeNull();
    const snapshot = await countsRefresh(store, taken, Number.NEGATIVE_INFINITY);
    expect(snapshot.counted).toBe(true);
    // A job enqueued after the count: the snapshot does not see it yet.
    await sql(
      db.url,
      `INSERT INTO conveyor.jobs (queue, name, state, run_at, payload, max_attempts, tenant_id, group_key, created_at, sort_key)
       VALUES ('qa', 'n', 'ready', now(), '{}', 3, 't2', 't2', now(), 0)`,
    );
    const fresh = await read(300_000, {}, { ...ROLLUP, now: new Date(taken.getTime() + 10_000) });
    expect(fresh.countsAsOf).toEqual(taken);
    expect(fresh.totals.counts.ready).toBe(1);
    const scoped = await read(
      300_000,
      { scope: tenantScope('t2') },
      { ...ROLLUP, now: new Date(taken.getTime() + 10_000) },
    );
    expect(scoped.totals.counts.ready).toBe(0);
    const stale = await read(300_000, {}, { ...ROLLUP, now: new Date(taken.getTime() + 5 * MINUTE) });
    expect(stale.countsAsOf).toBeNull();
    expect(stale.totals.counts.ready).toBe(2);
    // After a count that took 10 s the leader counts again in 100 s: a snapshot is read for 300 s.
    await countsRefresh(store, taken, Number.NEGATIVE_INFINITY, 10_000);
    const slow = await read(300_000, {}, { ...ROLLUP, now: new Date(taken.getTime() + 4 * MINUTE) });
    expect(slow.countsAsOf).toEqual(taken);
    expect(slow.totals.counts.ready).toBe(2);
    const gone = await read(300_000, {}, { ...ROLLUP, now: new Date(taken.getTime() + 6 * MINUTE) });
    expect(gone.countsAsOf).toBeNull();
    // The last ask (at taken + 6 min) stops being one five minutes later.
    expect(
      (await countsRefresh(store, new Date(taken.getTime() + 11 * MINUTE), Number.NEGATIVE_INFINITY)).counted,
    ).toBe(true);
    expect(
      (await countsRefresh(store, new Date(taken.getTime() + 12 * MINUTE), Number.NEGATIVE_INFINITY)).counted,
    ).toBe(false);
    // A small live table is counted exactly, snapshot or not.
    const small = await read(300_000, {}, { ...EXACT, now: new Date(taken.getTime() + 10_000) });
    expect(small.countsAsOf).toBeNull();
    expect(small.totals.counts.ready).toBe(2);
    await sql(db.url, `DELETE FROM conveyor.jobs WHERE queue = 'qa'`);
  });
});
