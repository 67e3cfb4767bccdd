import { afterAll, describe, expect, it } from 'vitest';
import { createConveyor, type QueueOptions } from '../../src/index.ts';
import { flowJob, SPANS_TABLE } from '../fixtures/flow-job.ts';
import { killFixtures, spawnFixture } from '../fixtures/spawn-fixture.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';
import { testLogger } from '../support/silent-logger.ts';

const db = useConveyorDatabase();
afterAll(() => killFixtures());

interface Span {
  job_id: string;
  group_key: string;
  claimed: number;
  started: number;
  ended: number;
  pid: number;
}

/** The most spans running at one instant (ends sort before starts at the same instant). */
function peak(spans: Span[]): number {
  const edges = spans.flatMap((s) => [
    { at: s.started, delta: 1 },
    { at: s.ended, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.delta;
    most = Math.max(most, running);
  }
  return most;
}

async function runAcrossProcesses(
  queues: Record<string, QueueOptions>,
  jobs: { group: string; n: number }[],
  workMs: number,
) {
  await sql(db.url, 'DROP TABLE IF EXISTS spans');
  await sql(db.url, SPANS_TABLE);
  // The producer never runs the handler (no worker), so it needs no pool.
  const definition = flowJob(null as never, 0);
  const producer = createConveyor({ jobs: [definition], databaseUrl: db.url, logger: testLogger, queues });
  await producer.enqueueMany(
    definition,
    jobs.map(({ group, n }) => ({ payload: { n }, options: { tenantId: group } })),
  );
  await producer.close();
  const env = {
    DATABASE_URL: db.url,
    QUEUES: JSON.stringify(queues),
    CONCURRENCY: '6',
    WORK_MS: String(workMs),
  };
  const workers = [
    spawnFixture('flow-worker', env),
    spawnFixture('flow-worker', env),
    spawnFixture('flow-worker', env),
  ];
  await Promise.all(workers.map((w) => w.waitFor('started')));
  const started = Date.now();
  for (;;) {
    const [row] = await sql<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM spans');
    if ((row?.n ?? 0) >= jobs.length) break;
    if (Date.now() - started > 40_000) throw new Error(`only ${row?.n} of ${jobs.length} jobs ran`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const w of workers) w.send({ type: 'stop' });
  await Promise.all(workers.map((w) => w.exited));
  const spans = await sql<Span>(
    db.url,
    'SELECT job_id::text, group_key, claimed, started, ended, pid FROM spans',
  );
  return { spans, elapsedMs: Date.now() - started };
}

describe('limits hold across three worker processes', () => {
  it('never runs more than the global limit, nor more than the group limit per tenant', async () => {
    const jobs = Array.from({ length: 90 }, (_, n) => ({ group: `tenant-${n % 6}`, n }));
    const { spans } = await runAcrossProcesses(
      { flow: { globalConcurrency: 4, groupConcurrency: 1 } },
      jobs,
      30,
    );
    const runs = await sql<{ job_id: string; status: string; worker_id: string }>(
      db.url,
      // A rescued (stalled) run would mean a live worker lost its lease: the limits would then be
      // checked against jobs that ran twice. (A failed attempt, e.g. a refused connection on a
      // loaded machine, is retried and harmless here.)
      "SELECT job_id::text, status, worker_id FROM conveyor.job_runs WHERE status = 'stalled'",
    );
    expect(runs).toEqual([]);
    expect(new Set(spans.map((s) => s.job_id)).size).toBe(90);
    expect(new Set(spans.map((s) => s.pid)).size).toBeGreaterThan(1);
    expect(peak(spans)).toBeLessThanOrEqual(4);
    expect(peak(spans)).toBeGreaterThanOrEqual(3);
    for (let g = 0; g < 6; g += 1) {
      expect(peak(spans.filter((s) => s.group_key === `tenant-${g}`))).toBe(1);
    }
  });

  it('starts at most the rate limit in each window, and keeps close to it', async () => {
    const jobs = Array.from({ length: 60 }, (_, n) => ({ group: `t${n % 3}`, n }));
    const windowMs = 400;
    const { spans } = await runAcrossProcesses({ flow: { rateLimit: { max: 15, per: windowMs } } }, jobs, 5);
    const perWindow = new Map<number, number>();
    // Rate limits count claims (the handler starts within ms, but a loaded machine can push a
    // start past a window boundary, so windows are counted by claim time).
    for (const span of spans) {
      const window = Math.floor(span.claimed / windowMs);
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
    }
    // Never above the limit, and the limit is reached: claims fill each window's quota at once.
    expect(Math.max(...perWindow.values())).toBe(15);
    // 60 jobs at 15 per window need 4 windows; allow slack for the start and a loaded machine.
    expect(perWindow.size).toBeLessThanOrEqual(8);
  });

  it('never starts more than the rate limit in any sliding window, across processes', async () => {
    // A backlog under a fixed window started `max` jobs right before each boundary and `max` more
    // right after it: up to 2 × max within one sliding window (issue 12, defect 8).
    const jobs = Array.from({ length: 60 }, (_, n) => ({ group: `t${n % 3}`, n }));
    const windowMs = 300;
    const max = 10;
    const { spans } = await runAcrossProcesses({ flow: { rateLimit: { max, per: windowMs } } }, jobs, 5);
    const claims = spans.map((s) => s.claimed).sort((a, b) => a - b);
    // Every window (t − windowMs, t] that ends at a claim.
    let busiest = 0;
    for (const [i, end] of claims.entries()) {
      const inWindow = claims.slice(0, i + 1).filter((t) => t > end - windowMs).length;
      busiest = Math.max(busiest, inWindow);
    }
    expect(busiest).toBeLessThanOrEqual(max);
    // And the limit is used: 60 jobs at 10 per 300 ms take about 1.5 s, not much longer.
    expect(busiest).toBe(max);
    expect(claims.at(-1)! - claims[0]!).toBeLessThan(12 * windowMs);
  });
});
