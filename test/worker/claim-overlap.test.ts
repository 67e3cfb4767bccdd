import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { countingJob, waitForCount } from '../support/counting-job.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();

/** A migrated instance whose one job counts its runs. */
async function openCounting(name: string, queue: string) {
  const { job, done } = countingJob(name, queue);
  const conveyor = db.open({ jobs: [job] });
  await conveyor.migrate();
  return { conveyor, job, done };
}

/** Claims only on wake-ups: the poll is an hour away, so a queue wrongly believed empty stays so. */
const withoutPoll = { concurrency: 50, pollInterval: '1h', handleSignals: false } as const;

describe('claims in flight together', () => {
  it('do not idle a queue with work when one of them came back short', async () => {
    // Two claims overlap; the second skips the rows the first locked, so with many small groups
    // it comes back short. If that marked the queue empty, the worker would wait for the poll,
    // here an hour, and the jobs below would not finish.
    const { conveyor, job, done } = await openCounting('tenant-job', 'overlap');
    await conveyor.enqueueMany(
      job,
      Array.from({ length: 5_000 }, (_, n) => ({ payload: { n }, options: { tenantId: 'big' } })),
    );
    await sql(db.url, 'ANALYZE conveyor.jobs');
    for (let t = 0; t < 99; t += 1) {
      await conveyor.enqueueMany(
        job,
        Array.from({ length: 10 }, (_, n) => ({ payload: { n }, options: { tenantId: `t${t}` } })),
      );
    }
    const total = 5_000 + 99 * 10;
    const worker = conveyor.worker(withoutPoll);
    await worker.start();
    await waitForCount(done, total);
    await worker.stop();
    expect(done()).toBe(total);
  });
});

describe('an emptied queue', () => {
  it('is not claimed from over and over once its work is done', async () => {
    const { conveyor, job, done } = await openCounting('idle-after', 'emptied');
    await conveyor.enqueueMany(
      job,
      Array.from({ length: 2_000 }, (_, n) => ({ payload: { n } })),
    );
    const worker = conveyor.worker(withoutPoll);
    await worker.start();
    await waitForCount(done, 2_000);
    expect(done()).toBe(2_000);
    // Commits in this database over two idle seconds (statistics reach the view within a second).
    const commits = async (): Promise<number> => {
      await sleep(1_100);
      const [row] = await sql<{ n: number }>(
        db.url,
        'SELECT xact_commit::integer AS n FROM pg_stat_database WHERE datname = current_database()',
      );
      return row!.n;
    };
    const before = await commits();
    await sleep(2_000);
    const after = await commits();
    await worker.stop();
    // Heartbeats, the promoter and the rescuer commit a few times a second; a claim loop spinning
    // on the empty queue commits thousands of times.
    expect(after - before).toBeLessThan(200);
  });
});

describe('claim counters', () => {
  it('count the claims, the jobs they brought and the short ones', async () => {
    const { conveyor, job, done } = await openCounting('counted', 'counted');
    await conveyor.enqueueMany(
      job,
      Array.from({ length: 2_000 }, (_, n) => ({ payload: { n } })),
    );
    const handle = conveyor.worker(withoutPoll);
    const worker = await handle.start();
    await waitForCount(done, 2_000);
    const stats = worker.claimStats;
    await handle.stop();
    expect(stats.jobs).toBe(2_000);
    expect(stats.claims).toBeGreaterThan(1);
    // Each claim asks for at least half the capacity (50 here); a few at the end come back short.
    expect(stats.claims).toBeLessThanOrEqual(2_000 / 50 + 4);
    // The queue ran out: the last claim (or one after it) came back short.
    expect(stats.short).toBeGreaterThanOrEqual(1);
    expect(stats.empty).toBeLessThanOrEqual(stats.short);
    expect(stats.elapsedMs).toBeGreaterThan(0);
  });
});
