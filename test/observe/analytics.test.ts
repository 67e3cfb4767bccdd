/** Each analytics query against a seeded history with known answers. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Conveyor } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { minutes, seedRuns } from './runs-seed.ts';

const db = useConveyorDatabase();
const T0 = new Date('2026-01-01T00:00:00Z');
const window = { since: T0, until: minutes(T0, 120) };
let conveyor: Conveyor;

beforeAll(async () => {
  conveyor = db.open({ jobs: [] });
  await conveyor.migrate();
  const w1 = { workerId: 'w1', workerHost: 'h1' };
  const w2 = { workerId: 'w2', workerHost: 'h2' };
  const send = { queue: 'emails', name: 'send', tenantId: 'a', ...w1 };
  const build = { queue: 'reports', name: 'build', tenantId: 'b', ...w2 };
  await seedRuns(db.url, [
    { ...send, status: 'completed', at: minutes(T0, 1), durationMs: 100, waitMs: 10 },
    { ...send, status: 'completed', at: minutes(T0, 2), durationMs: 200, waitMs: 30 },
    { ...send, status: 'completed', at: minutes(T0, 3), durationMs: 300 },
    { ...send, status: 'completed', at: minutes(T0, 4), durationMs: 400 },
    { ...send, status: 'failed', at: minutes(T0, 5), durationMs: 60, error: 'user 42 not found' },
    { ...send, status: 'dead', at: minutes(T0, 6), durationMs: 50, error: 'user 7 not found' },
    { ...send, tenantId: 'b', status: 'completed', at: minutes(T0, 80), durationMs: 500 },
    { ...build, status: 'completed', at: minutes(T0, 10), durationMs: 1_000 },
    {
      ...build,
      status: 'stalled',
      at: minutes(T0, 20),
      durationMs: 5_000,
      error: "timeout after 30s for 'abc'",
    },
    {
      ...build,
      status: 'cancelled',
      at: minutes(T0, 30),
      durationMs: null,
      workerId: null,
      workerHost: null,
    },
    { ...build, status: 'completed', at: minutes(T0, 70), durationMs: 3_000 },
    // Outside the window: must never count.
    { ...send, status: 'failed', at: minutes(T0, -60), durationMs: 9_999, error: 'user 1 not found' },
    { ...send, status: 'completed', at: minutes(T0, 120), durationMs: 9_999 },
  ]);
});

describe('analytics', () => {
  it('statistics by job and status', async () => {
    const stats = await conveyor.analytics.jobStats(window);
    expect(stats).toHaveLength(2);
    expect(stats[0]).toMatchObject({
      queue: 'emails',
      name: 'send',
      total: 7,
      completed: 5,
      failed: 2,
      dead: 1,
      stalled: 0,
      cancelled: 0,
      avgDurationMs: 300,
      maxDurationMs: 500,
      successRate: 5 / 7,
    });
    expect(stats[1]).toMatchObject({
      name: 'build',
      total: 4,
      completed: 2,
      failed: 1,
      stalled: 1,
      cancelled: 1,
    });
    expect(stats[1]!.avgDurationMs).toBe(2_000);
    const tenantA = await conveyor.analytics.jobStats({ ...window, tenantId: 'a' });
    expect(tenantA).toEqual([
      expect.objectContaining({ name: 'send', total: 6, completed: 4, avgDurationMs: 250 }),
    ]);
    expect(await conveyor.analytics.jobStats({ ...window, queue: 'reports', name: 'send' })).toEqual([]);
  });

  it('overall statistics', async () => {
    const overall = await conveyor.analytics.overall(window);
    expect(overall).toMatchObject({
      total: 11,
      completed: 7,
      failed: 3,
      dead: 1,
      stalled: 1,
      cancelled: 1,
      jobNames: 2,
      workers: 2,
      successRate: 0.7,
    });
    expect(overall.avgDurationMs).toBeCloseTo((100 + 200 + 300 + 400 + 500 + 1_000 + 3_000) / 7, 6);
    const first = await conveyor.analytics.overall({ since: T0, until: minutes(T0, 2) });
    expect(first).toMatchObject({ total: 1, completed: 1, avgWaitMs: 10 });
  });

  it('worker statistics', async () => {
    const workers = await conveyor.analytics.workers(window);
    expect(workers.map((w) => [w.workerId, w.workerHost, w.total, w.completed, w.failed])).toEqual([
      ['w1', 'h1', 7, 5, 2],
      ['w2', 'h2', 3, 2, 1],
    ]);
    expect(workers[1]!.busyMs).toBe(9_000);
  });

  it('recent failures, newest first, with message and stack', async () => {
    const failures = await conveyor.analytics.recentFailures(window);
    expect(failures.map((f) => [f.name, f.status, f.errorMessage])).toEqual([
      ['build', 'stalled', "timeout after 30s for 'abc'"],
      ['send', 'dead', 'user 7 not found'],
      ['send', 'failed', 'user 42 not found'],
    ]);
    expect(failures[0]!.errorStack).toContain('at seed');
    expect(await conveyor.analytics.recentFailures({ ...window, limit: 1, queue: 'emails' })).toHaveLength(1);
  });

  it('error analysis groups by normalized message', async () => {
    const groups = await conveyor.analytics.errorGroups(window);
    expect(groups.map((g) => [g.pattern, g.count, g.names])).toEqual([
      ['user <n> not found', 2, ['send']],
      ['timeout after <n>s for <str>', 1, ['build']],
    ]);
    expect(groups[0]!.sampleMessage).toBe('user 7 not found');
  });

  it('duration percentiles per job (percentile_cont)', async () => {
    const durations = await conveyor.analytics.durations(window);
    const send = durations.find((d) => d.name === 'send')!;
    // 50, 60, 100, 200, 300, 400, 500 (stalled and cancelled runs excluded)
    expect(send).toMatchObject({ count: 7, minMs: 50, maxMs: 500, p50Ms: 200 });
    expect(send.p95Ms).toBeCloseTo(470, 6);
    expect(send.p99Ms).toBeCloseTo(494, 6);
    const build = durations.find((d) => d.name === 'build')!;
    expect(build).toMatchObject({ count: 2, p50Ms: 2_000 });
  });

  it('slowest jobs', async () => {
    const slow = await conveyor.analytics.slowest({ ...window, limit: 3 });
    expect(slow.map((s) => [s.name, s.status, s.durationMs])).toEqual([
      ['build', 'stalled', 5_000],
      ['build', 'completed', 3_000],
      ['build', 'completed', 1_000],
    ]);
  });

  it('throughput over time, every bucket present', async () => {
    const buckets = await conveyor.analytics.throughput({ ...window, bucket: '1h' });
    expect(buckets.map((b) => [b.bucket.toISOString(), b.completed, b.failed, b.cancelled])).toEqual([
      [T0.toISOString(), 5, 3, 1],
      [minutes(T0, 60).toISOString(), 2, 0, 0],
    ]);
    const quiet = await conveyor.analytics.throughput({
      since: minutes(T0, 90),
      until: minutes(T0, 120),
      bucket: '15m',
    });
    expect(quiet.map((b) => b.completed + b.failed)).toEqual([0, 0]);
  });

  it('rejects a bad window', async () => {
    await expect(conveyor.analytics.overall({ since: minutes(T0, 10), until: T0 })).rejects.toThrow(/since/);
    await expect(conveyor.analytics.throughput({ ...window, bucket: '1ms' })).rejects.toThrow(/bucket/);
  });
});
