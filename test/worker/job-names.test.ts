/**
 * Workers on one queue that know different job types (issue 12, defect 4): a worker claims only
 * jobs it has a definition for, so a job waits for a worker that can run it instead of failing
 * with UNKNOWN_JOB on one that cannot (74 of 100 such jobs ended dead before).
 */
import { describe, expect, it } from 'vitest';
import { type Conveyor, defineJob } from '../../src/index.ts';
import { useConveyorDatabase } from '../support/conveyor.ts';
import { sql } from '../support/database.ts';

const db = useConveyorDatabase();

function completions(conveyor: Conveyor, name: string, ran: string[]): void {
  conveyor.on('job:completed', ({ job }) => {
    if (job.name === name) ran.push(job.id);
  });
}

describe('a worker lacking a job definition', () => {
  it('never claims that job, which runs once on a worker that knows it', async () => {
    const x = defineJob<{ n: number }>({ name: 'names-x', queue: 'shared', handler: () => null });
    const y = defineJob<{ n: number }>({ name: 'names-y', queue: 'shared', handler: () => null });
    const older = db.open({ jobs: [x], schema: 'names' }); // an older deployment: no y yet
    const newer = db.open({ jobs: [x, y], schema: 'names' });
    const yIds = (
      await newer.enqueueMany(
        y,
        Array.from({ length: 100 }, (_, n) => ({ payload: { n } })),
      )
    ).map((job) => job.id);
    await newer.enqueueMany(
      x,
      Array.from({ length: 100 }, (_, n) => ({ payload: { n } })),
    );
    const xByOlder: string[] = [];
    const yByOlder: string[] = [];
    const xByNewer: string[] = [];
    const yByNewer: string[] = [];
    completions(older, 'names-x', xByOlder);
    completions(older, 'names-y', yByOlder);
    completions(newer, 'names-x', xByNewer);
    completions(newer, 'names-y', yByNewer);
    // The older worker starts first and alone: it sees every job of the queue.
    await older.worker({ concurrency: 5, handleSignals: false }).start();
    await expect.poll(() => xByOlder.length, { timeout: 15_000 }).toBe(100);
    expect(
      (await sql<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM names.jobs WHERE state = 'ready'"))[0]
        ?.n,
    ).toBe(100);
    await newer.worker({ concurrency: 5, handleSignals: false }).start();
    await expect.poll(() => yByNewer.length, { timeout: 15_000 }).toBe(100);

    expect(yByOlder).toEqual([]);
    expect(new Set(yByNewer)).toEqual(new Set(yIds));
    expect(xByNewer).toEqual([]);
    const attempts = await sql<{ status: string; attempt: number; n: number }>(
      db.url,
      'SELECT status, attempt, count(*)::int AS n FROM names.job_runs GROUP BY status, attempt',
    );
    expect(attempts).toEqual([{ status: 'completed', attempt: 1, n: 200 }]);
  });
});
